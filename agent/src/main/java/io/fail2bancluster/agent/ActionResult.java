package io.fail2bancluster.agent;

import java.time.Duration;

/** How one {@link Invocation} ended. */
public sealed interface ActionResult {

    /** The process exited by itself. */
    record Exited(int status, Duration took, String stderrHead) implements ActionResult {
    }

    /** The process ran past the timeout and was killed, with its children. */
    record TimedOut(Duration took, String stderrHead) implements ActionResult {
    }

    /** The process could not be started (missing program, not executable, ...). */
    record NotStarted(String reason) implements ActionResult {
    }

    /** The exec queue was full, or the runner is shutting down: never started. */
    record Dropped(String reason) implements ActionResult {
    }
}
