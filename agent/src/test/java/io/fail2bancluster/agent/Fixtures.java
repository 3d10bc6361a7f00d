package io.fail2bancluster.agent;

import io.fail2bancluster.config.ActionTemplate.Rendered;
import io.fail2bancluster.config.FilterEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Shared test material: the sample config's route and an action runner that only records. */
final class Fixtures {
    /** A session listener for pipelines whose connection state a test does not look at. */
    static final SessionHandler.Listener IGNORE_SESSION = new SessionHandler.Listener() {
        @Override
        public void greeted(long nowNanos) {
        }

        @Override
        public void busy() {
        }

        @Override
        public void lineReceived(long nowNanos) {
        }
    };

    static final String CHANNEL = "Fail2ban";

    private Fixtures() {
    }

    /** The sample config's channel: action banip|unbanip and jail sshd; action {@code ban %jail% %action% %ip%}. */
    static Route fail2banRoute() {
        return new Route(CHANNEL,
                List.of(new FilterEntry("servers[0].channels[0].filter[0]", "action", List.of("banip", "unbanip")),
                        new FilterEntry("servers[0].channels[0].filter[1]", "jail", List.of("sshd"))),
                Fixtures::renderBan, "ban %jail% %action% %ip%");
    }

    /** Stands in for ActionTemplate.render of {@code ban %jail% %action% %ip%}. */
    static Rendered renderBan(String channel, io.fail2bancluster.protocol.Message message) {
        List<String> argv = new ArrayList<>(List.of("ban"));
        for (String key : List.of("jail", "action", "ip")) {
            String value = message.get(key);
            if (value == null) {
                return new Rendered.Missing(key);
            }
            argv.add(value);
        }
        return new Rendered.Argv(argv);
    }

    /** Records what it is asked to run; the test decides when and how each one ends. */
    static final class RecordingRunner implements ActionRunner {
        record Call(Invocation invocation, Consumer<ActionResult> whenDone) {
        }

        final List<Call> calls = new CopyOnWriteArrayList<>();

        @Override
        public void run(Invocation invocation, Consumer<ActionResult> whenDone) {
            calls.add(new Call(invocation, whenDone));
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> shutdown(java.time.Duration grace) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        List<List<String>> argvs() {
            return calls.stream().map(c -> c.invocation().argv()).toList();
        }
    }
}
