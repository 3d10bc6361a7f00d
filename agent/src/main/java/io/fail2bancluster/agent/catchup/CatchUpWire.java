package io.fail2bancluster.agent.catchup;

import io.fail2bancluster.agent.ledger.BanMessage;
import io.fail2bancluster.agent.ledger.LedgerEntry;
import io.fail2bancluster.protocol.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Catch-up on the wire: ordinary announces on the channel itself, so any fanout server carries them.
 * <pre>
 *   request  action=catchup, source=web3, since=1765079000          (since=0: everything in force)
 *   answer   jail=sshd, action=banip, ip=192.0.2.7, source=web1, bantime=412, time=1765079123,
 *            until=1765079723, catchup=web2
 *   answer   jail=sshd, action=unbanip, ip=192.0.2.9, source=web1, time=1765079200, until=1765079723,
 *            catchup=web2
 * </pre>
 * A request's {@code action} is one no filter of banip/unbanip lets through, so the original daemon leaves it
 * alone. An answer is the ban as its origin made it ({@code source}, {@code time} = its start), with
 * {@code bantime} the seconds it has left (an action that uses {@code %bantime%} never bans past the end) and
 * {@code until} its end; {@code catchup} names the host that announced it again. Signed channels sign both
 * like any announce.
 */
final class CatchUpWire {
    static final String SINCE = "since";

    private CatchUpWire() {
    }

    static String request(String host, Instant since) {
        return BanMessage.ACTION + "=" + BanMessage.CATCHUP + ", " + BanMessage.SOURCE + "=" + host + ", " + SINCE
                + "=" + since.getEpochSecond();
    }

    /** The request's {@code since}; empty when it has none that reads as epoch seconds. */
    static Optional<Instant> since(Message request) {
        String value = request.get(SINCE);
        try {
            long seconds = Long.parseLong(value == null ? "" : value);
            return seconds < 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(seconds));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** {@code entry} announced again by {@code host} at {@code now}: a ban in force, or its unban. */
    static String answer(LedgerEntry entry, String host, Instant now) {
        StringBuilder text = new StringBuilder(128)
                .append(BanMessage.JAIL).append('=').append(entry.jail()).append(", ")
                .append(BanMessage.ACTION).append('=')
                .append(entry.state().inForce() ? BanMessage.BAN : BanMessage.UNBAN).append(", ")
                .append(BanMessage.IP).append('=').append(entry.address().canonical()).append(", ")
                .append(BanMessage.SOURCE).append('=').append(entry.origin());
        if (entry.state().inForce()) {
            long left = entry.end().map(end -> ceilSeconds(Duration.between(now, end))).orElse(-1L);
            text.append(", ").append(BanMessage.BANTIME).append('=').append(left)
                    .append(", ").append(BanMessage.TIME).append('=').append(entry.start().getEpochSecond());
        } else {
            text.append(", ").append(BanMessage.TIME).append('=').append(entry.changed().getEpochSecond());
        }
        entry.end().ifPresent(end -> text.append(", ").append(BanMessage.UNTIL).append('=').append(end.getEpochSecond()));
        return text.append(", ").append(BanMessage.CATCHUP).append('=').append(host).toString();
    }

    private static long ceilSeconds(Duration left) {
        long millis = Math.max(0, left.toMillis());
        return (millis + 999) / 1000;
    }
}
