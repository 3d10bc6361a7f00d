package io.fail2bancluster.agent.daemon;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.ScheduledFuture;

/** Asks a running agent something over its control socket. */
public final class ControlClient {

    private ControlClient() {
    }

    /**
     * Sends one command and returns the answer.
     *
     * @throws IOException when nobody answers on {@code socket} (no file, refused, not a socket,
     *                     permission, or no complete answer within {@link ControlProtocol#EXCHANGE_TIMEOUT})
     */
    public static ControlReply request(Path socket, String command) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ScheduledFuture<?> watchdog = ControlProtocol.closeAfter(channel, ControlProtocol.EXCHANGE_TIMEOUT);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                ControlProtocol.writeAll(channel, command + "\n");
                String reply = ControlProtocol.readUntil(channel, "\n\n", ControlProtocol.MAX_REPLY_BYTES);
                if (reply.isEmpty()) {
                    throw new IOException("the agent closed the control socket without answering");
                }
                return ControlReply.decode(reply);
            } finally {
                watchdog.cancel(false);
            }
        }
    }
}
