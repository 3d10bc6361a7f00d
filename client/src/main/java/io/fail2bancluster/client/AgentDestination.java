package io.fail2bancluster.client;

import io.fail2bancluster.protocol.Command;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code publish --agent}: the local fail2ban-clusterd, reached over its control socket
 * ({@code publish CHANNEL MESSAGE}). The agent answers {@code ok} once it has the message on disk in its
 * outbox, and delivers it to every server that carries the channel (signing it with their keys); the client
 * then has nothing more to do. The exchange is the control socket's: one request line, then the reply up to
 * an empty line. A blocking Unix socket has no read timeout: at the deadline {@link Publisher} closes it.
 *
 * @param socket the agent's control socket
 */
public record AgentDestination(Path socket) implements Destination {
    private static final int MAX_REPLY_BYTES = 64 * 1024;

    @Override
    public String name() {
        return socket.toString();
    }

    /** The agent announces it to its fanout servers as a line, and reads the request as one. */
    @Override
    public boolean carriesLines() {
        return true;
    }

    /** Each outcome names the agent and its socket already. */
    @Override
    public String line(String outcome) {
        return outcome;
    }

    @Override
    public PublishResult publish(Command.Announce announce, Deadline deadline) {
        String noAgent = "no agent answers on " + socket + " within " + Deadline.format(deadline.timeout());
        deadline.waitingFor(noAgent + " (it did not answer in time)");
        try {
            String reply = ControlSocket.exchange(socket, "publish " + announce.channel() + " " + announce.message(),
                    deadline, MAX_REPLY_BYTES);
            int end = reply.indexOf('\n');
            String status = end < 0 ? reply : reply.substring(0, end);
            if (status.equals("ok")) {
                return new PublishResult(this, true, "handed to the agent on " + socket, deadline.elapsed());
            }
            return failed("the agent on " + socket + " did not take it: "
                    + (status.startsWith("error ") ? status.substring("error ".length()) : "answered " + status)
                    + "; nothing sent", deadline);
        } catch (IOException e) {
            if (deadline.expired()) {
                return failed(deadline.timeoutReason(), deadline);
            }
            return failed(noAgent + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "); nothing sent", deadline);
        }
    }

    private PublishResult failed(String reason, Deadline deadline) {
        return PublishResult.failed(this, reason, deadline.elapsed());
    }

    @Override
    public String toString() {
        return name();
    }
}
