package io.fail2bancluster.client;

import io.fail2bancluster.config.AddressRange;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The bans in force the local agent knows of, asked over its control socket: {@code bans [channel=C] [jail=J]
 * [ip=A]}, answered from its ledger with {@code count: N} and one {@code ban.N: ADDRESS JAIL SOURCE SINCE UNTIL
 * CHANNEL} field per ban (epoch seconds; {@code permanent}). How {@code bans} lists a fanout fleet, whose servers
 * keep nothing.
 */
final class AgentBans {
    /** A reply of a million bans (the ledger's bound is far below it) fits. */
    static final int MAX_REPLY_BYTES = 256 << 20;

    private AgentBans() {
    }

    /** The request line for these filters (each may be null). */
    static String request(String channel, String jail, AddressRange ip) {
        StringBuilder line = new StringBuilder("bans");
        if (channel != null) {
            line.append(" channel=").append(channel);
        }
        if (jail != null) {
            line.append(" jail=").append(jail);
        }
        if (ip != null) {
            line.append(" ip=").append(ip.canonical());
        }
        return line.toString();
    }

    /** @throws IOException no agent answers, or it refused, in words for an error line */
    static List<BanRow> read(Path socket, String request, Deadline deadline) throws IOException {
        String reply;
        try {
            reply = ControlSocket.exchange(socket, request, deadline, MAX_REPLY_BYTES);
        } catch (IOException e) {
            throw new IOException(deadline.expired() ? "no answer within " + Deadline.format(deadline.timeout())
                    : "no agent answers (" + e.getMessage() + "); is fail2ban-clusterd running, and are you its user?", e);
        }
        return parse(reply);
    }

    static List<BanRow> parse(String reply) throws IOException {
        String[] lines = reply.split("\n");
        if (!lines[0].equals("ok")) {
            throw new IOException("it answered: "
                    + (lines[0].startsWith("error ") ? lines[0].substring("error ".length()) : lines[0]));
        }
        List<BanRow> rows = new ArrayList<>(lines.length);
        for (int i = 1; i < lines.length; i++) {
            if (!lines[i].startsWith("ban.")) {
                continue; // count:, and keys a later agent may add
            }
            String[] f = lines[i].substring(lines[i].indexOf(": ") + 2).split(" ");
            try {
                rows.add(new BanRow(AddressRange.parse(f[0]), f[1], f[2].equals("-") ? "" : f[2],
                        Instant.ofEpochSecond(Long.parseLong(f[3])),
                        f[4].equals("permanent") ? Optional.empty() : Optional.of(Instant.ofEpochSecond(Long.parseLong(f[4]))),
                        f[5]));
            } catch (RuntimeException e) {
                throw new IOException("it answered a line this client cannot read: " + lines[i], e);
            }
        }
        return rows;
    }
}
