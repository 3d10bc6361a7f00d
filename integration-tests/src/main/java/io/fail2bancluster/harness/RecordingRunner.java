package io.fail2bancluster.harness;

import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.exec.Invocation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One load-test host's runner. The action template is {@code <program> %id% %t%}, so argv[1] is the ban id
 * and argv[2] the publish time. Without a delegate the action "runs" at once (and is recorded on the
 * agent's loop, which is the receive time); with one (a real {@code ProcessActionRunner}) it is recorded
 * when the process exited 0, so the latency then includes the fork and exec.
 */
final class RecordingRunner implements ActionRunner {
    private static final ActionResult DONE = new ActionResult.Exited(0, Duration.ZERO, "");

    private final int host;
    private final ExecutionRecorder recorder;
    private final ActionRunner delegate;

    RecordingRunner(int host, ExecutionRecorder recorder, ActionRunner delegate) {
        this.host = host;
        this.recorder = recorder;
        this.delegate = delegate;
    }

    @Override
    public void run(Invocation invocation, Consumer<ActionResult> whenDone) {
        if (delegate == null) {
            record(invocation.argv());
            // the agent posts every result back through its loop's queue, so answering on its thread is fine
            whenDone.accept(DONE);
            return;
        }
        delegate.run(invocation, result -> {
            if (result instanceof ActionResult.Exited exited && exited.status() == 0) {
                record(invocation.argv());
            }
            whenDone.accept(result);
        });
    }

    private void record(List<String> argv) {
        long now = System.nanoTime();
        try {
            String id = argv.get(argv.size() - 2);
            String published = argv.get(argv.size() - 1);
            // with --restart-broker the action is "record %ip% %jail%": the id is the address's low 24 bits
            recorder.executed(host, id.contains(".") ? idOf(id) : Integer.parseInt(id),
                    published.chars().allMatch(Character::isDigit) ? Long.parseLong(published) : now, now);
        } catch (RuntimeException notOurs) {
            recorder.unreadable();
        }
    }

    /** The id of {@link BanPublisher#message}'s address 10.x.y.z. */
    private static int idOf(String address) {
        String[] octets = address.split("\\.");
        return Integer.parseInt(octets[1]) << 16 | Integer.parseInt(octets[2]) << 8 | Integer.parseInt(octets[3]);
    }

    @Override
    public CompletableFuture<Void> shutdown(Duration grace) {
        return CompletableFuture.completedFuture(null);
    }
}
