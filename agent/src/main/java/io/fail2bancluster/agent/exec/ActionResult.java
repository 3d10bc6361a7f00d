package io.fail2bancluster.agent.exec;

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
        /** The reason once the runner is stopping. */
        public static final String SHUTTING_DOWN = "the agent is shutting down";

        /**
         * Whether it was dropped because the agent is stopping, not because the queue overflowed: it would
         * have run had the agent stayed, so a transport that can deliver it again after a restart should.
         */
        public boolean byShutdown() {
            return SHUTTING_DOWN.equals(reason);
        }
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
