package io.fail2bancluster.bench;

import io.fail2bancluster.agent.assembly.Agent;
import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.exec.Invocation;
import io.fail2bancluster.agent.fanout.ServerLink;
import io.fail2bancluster.agent.fanout.ServerPipeline;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.agent.path.Deduplicator;
import io.fail2bancluster.agent.path.ExecReporter;
import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.util.Backoff;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The benchmarks' door into the agent: the real {@link ServerPipeline} of the first server of a YAML config,
 * assembled by the agent's own initializer on an {@link EmbeddedChannel} instead of a socket, greeted, with
 * dedupe on for every channel and an action runner that only counts.
 */
public final class AssembledServerPipeline implements AutoCloseable {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ServerState state;
    private long runs;

    public AssembledServerPipeline(String yaml) {
        ClusterConfig config = ConfigLoader.parse(yaml, "bench.yml");
        ServerConfig server = config.servers().get(0);
        ChannelRoutes routes = ChannelRoutes.of(server, (String) null);
        Deduplicator dedupe = new Deduplicator(config.dedupeWindow());
        dedupe.redundantChannels(Set.copyOf(routes.channels()));
        ActionRunner counting = new ActionRunner() {
            @Override
            public void run(Invocation invocation, Consumer<ActionResult> whenDone) {
                runs++;
            }

            @Override
            public CompletableFuture<Void> shutdown(Duration grace) {
                return CompletableFuture.completedFuture(null);
            }
        };
        state = new ServerState(server.address());
        MessagePath.Shared shared = new MessagePath.Shared(channel.eventLoop(), dedupe, counting,
                new ExecReporter(channel.eventLoop().ticker()), config.limits(), config.signatureWindow(),
                Clock.systemUTC());
        ServerLink link = new ServerLink(state, new MessagePath(state, 0, routes, shared), channel.eventLoop(),
                () -> {
                    throw new UnsupportedOperationException("the bench sets the channel up itself");
                }, new Backoff(config.reconnectMin(), config.reconnectMax()), ServerLink.stableAfter(config.reconnectMax()));
        channel.pipeline().addLast(new ServerPipeline(server, link, config.limits().maxLine(), null, Agent.PROCESS_NAME));
        channel.pipeline().fireChannelActive();
        channel.releaseOutbound();
        receive(Unpooled.copiedBuffer("debug!connected...\n", StandardCharsets.US_ASCII));
    }

    /** Bytes as they arrive from the server; the pipeline releases them. */
    public void receive(ByteBuf bytes) {
        channel.writeInbound(bytes);
    }

    /** Actions handed to the runner so far. */
    public long runs() {
        return runs;
    }

    /** A counter of the server ({@code received}, {@code rejected}...). */
    public long count(String key) {
        for (Counter counter : Counter.values()) {
            if (counter.key().equals(key)) {
                return state.count(counter);
            }
        }
        throw new IllegalArgumentException("no counter " + key);
    }

    @Override
    public void close() {
        channel.releaseOutbound();
        channel.finishAndReleaseAll();
    }
}
