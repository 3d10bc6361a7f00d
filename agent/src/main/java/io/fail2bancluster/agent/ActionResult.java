package io.fail2bancluster.agent;

import java.time.Duration;
import java.util.List;

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

    /**
     * One invocation's share of a run that carried several (a channel's {@code batch}): each invocation
     * ends as the run did, and the run is logged once, with the first.
     *
     * @param run      how the process ended
     * @param argv     what ran
     * @param messages how many invocations the run carried
     * @param index    this invocation's place among them, from 0
     */
    record Batched(ActionResult run, List<String> argv, int messages, int index) implements ActionResult {
        public Batched {
            argv = List.copyOf(argv);
        }
    }
}
