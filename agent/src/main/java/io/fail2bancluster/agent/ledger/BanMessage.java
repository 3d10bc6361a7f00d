package io.fail2bancluster.agent.ledger;

import io.fail2bancluster.protocol.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A message read as a ban or an unban, the way fail2ban's action writes them
 * ({@code jail=sshd, action=banip, ip=192.0.2.7, source=web1, bantime=600}), or as a catch-up answer
 * announces one again: the same keys, {@code bantime} then the seconds left, plus {@code time} (when the ban
 * started on its origin, epoch seconds), {@code until} (when it ends; absent for a permanent ban) and
 * {@code catchup} (the host announcing it again). A message that is not a ban or an unban (another action, no
 * jail, an ip that is not an address or CIDR block) is none: it goes its way as before, unrecorded.
 *
 * @param ban         the ban, for {@code banip}; null for an unban
 * @param unban       the unban, for {@code unbanip}; null for a ban
 * @param reannounced the host that announced it again (catch-up); null for a first announce
 */
public record BanMessage(Ban ban, Unban unban, String reannounced) {
    public static final String BAN = "banip";
    public static final String UNBAN = "unbanip";
    public static final String ACTION = "action";
    public static final String JAIL = "jail";
    public static final String IP = "ip";
    public static final String SOURCE = "source";
    public static final String BANTIME = "bantime";
    public static final String TIME = "time";
    public static final String UNTIL = "until";
    public static final String CATCHUP = "catchup";
    /** How long a ban is taken to last when its message has no {@code bantime}: fail2ban's default. */
    public static final Duration DEFAULT_BANTIME = Duration.ofMinutes(10);
    /**
     * How long an unban of a ban this host never knew is kept as a revocation: long enough for any
     * re-announce of that ban to come and be refused.
     */
    public static final Duration UNKNOWN_BAN_HORIZON = Duration.ofDays(1);

    /** Whether it is an announce again (a catch-up answer). */
    public boolean isReannounce() {
        return reannounced != null;
    }

    public LedgerKey key() {
        return ban != null ? ban.key() : unban.key();
    }

    /**
     * {@code message} on {@code channel} as a ban or unban, or empty.
     *
     * @param arrived   when it arrived here (or entered the stream that stored it): a first announce's start
     * @param ownOrigin the origin when the message names no {@code source} (this host's name for its own)
     */
    public static Optional<BanMessage> of(String channel, Message message, Instant arrived, String ownOrigin) {
        return of(channel, message, arrived, ownOrigin, DEFAULT_BANTIME.toSeconds());
    }

    /**
     * As {@link #of(String, Message, Instant, String)}, where a ban without {@code bantime} lasts
     * {@code bantime} seconds (-1: permanent): an {@code enforce: nftables} channel's, so the ledger's end is
     * the kernel element's, and a restart or a repair writes the element back with the timeout it had.
     */
    public static Optional<BanMessage> of(String channel, Message message, Instant arrived, String ownOrigin,
                                          long bantime) {
        String action = message.get(ACTION);
        boolean ban = BAN.equals(action);
        if (!ban && !UNBAN.equals(action)) {
            return Optional.empty();
        }
        String jail = message.get(JAIL);
        String ip = message.get(IP);
        String source = message.get(SOURCE);
        String origin = source == null || source.isEmpty() ? ownOrigin : source;
        if (jail == null || jail.isEmpty() || ip == null || origin == null) {
            return Optional.empty();
        }
        try {
            LedgerKey key = LedgerKey.of(channel, jail, ip);
            String reannounced = emptyToNull(message.get(CATCHUP));
            Instant start = epochSeconds(message.get(TIME)).orElse(arrived);
            Optional<Instant> until = epochSeconds(message.get(UNTIL));
            long seconds = seconds(message.get(BANTIME), bantime);
            if (ban) {
                Optional<Instant> end = seconds < 0 ? Optional.empty()
                        : Optional.of(until.orElse(start.plusSeconds(seconds)));
                if (end.isPresent() && end.get().isBefore(start)) {
                    return Optional.empty();
                }
                return Optional.of(new BanMessage(new Ban(key, origin, start, end), null, reannounced));
            }
            Optional<Instant> horizon = until.isPresent() ? until
                    : Optional.of(arrived.plus(UNKNOWN_BAN_HORIZON));
            return Optional.of(new BanMessage(null, new Unban(key, origin, start, horizon), reannounced));
        } catch (IllegalArgumentException notABan) {
            return Optional.empty();
        }
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    private static Optional<Instant> epochSeconds(String value) {
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.ofEpochSecond(Long.parseLong(value)));
        } catch (NumberFormatException | java.time.DateTimeException e) {
            throw new IllegalArgumentException("not epoch seconds: " + value, e);
        }
    }

    private static long seconds(String value, long fallback) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value);
            return parsed < 0 ? -1 : parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a bantime: " + value, e);
        }
    }
}
