package io.fail2bancluster.harness;

import io.fail2bancluster.client.FanoutDestination;
import io.fail2bancluster.client.PublishResult;
import io.fail2bancluster.client.Publisher;
import io.fail2bancluster.protocol.Command;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Fanout servers, through the client's {@link Publisher}: an announce confirmed by a ping round trip, per server. */
final class FanoutSink implements BanSink {
    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(10);

    private final List<FanoutDestination> targets;
    private final ExecutorService exchanges = Executors.newCachedThreadPool(BanPublisher.daemons("loadtest-exchange-"));
    private final Publisher publisher = new Publisher(exchanges);

    FanoutSink(List<FanoutDestination> targets) {
        this.targets = List.copyOf(targets);
    }

    @Override
    public int servers() {
        return targets.size();
    }

    @Override
    public Outcome publish(String channel, String message) {
        int ok = 0;
        String failure = null;
        for (PublishResult result : publisher.publish(targets, new Command.Announce(channel, message), PUBLISH_TIMEOUT)) {
            if (result.accepted()) {
                ok++;
            } else if (failure == null) {
                failure = result.toString();
            }
        }
        return new Outcome(ok, failure);
    }

    @Override
    public void close() {
        exchanges.shutdown();
    }
}
