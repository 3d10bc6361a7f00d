package io.fail2bancluster.agent.exec;

import java.util.List;
import java.util.Objects;

/**
 * One action to run: the argv exactly as the process will get it (no shell ever sees it), and where the
 * message came from, for the log.
 *
 * @param argv    program and arguments, rendered from the channel's action template
 * @param server  host:port of the server that delivered the message
 * @param channel the channel it came on
 * @param message the message as received
 * @param batch   the channel's {@code batch}: how many invocations that differ only in their last argument
 *                may run as one command (1: never batched)
 * @param orderKey what it acts on (a channel and address): invocations with the same key never run at once nor
 *                out of arrival order, as batched ones with the same last argument never do; null: no such rule
 */
public record Invocation(List<String> argv, String server, String channel, String message, int batch,
                         String orderKey) {
    public Invocation {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must name a program");
        }
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(message, "message");
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
    }

    /** An invocation whose order only its batch's rule keeps. */
    public Invocation(List<String> argv, String server, String channel, String message, int batch) {
        this(argv, server, channel, message, batch, null);
    }

    /** An invocation that always runs alone. */
    public Invocation(List<String> argv, String server, String channel, String message) {
        this(argv, server, channel, message, 1);
    }
}
