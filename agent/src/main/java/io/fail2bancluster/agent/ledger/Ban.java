package io.fail2bancluster.agent.ledger;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A ban as a message states it: its key, the host that made it ({@code source=}), when it started there
 * and when it ends. A re-announced ban carries its original start, so its end stays where it was. Times
 * are kept to the millisecond, the precision the ledger stores, so a ban compares equal to itself after a
 * restart.
 *
 * @param key    channel, jail, address
 * @param origin the host that made the ban
 * @param start  when it started on its origin
 * @param end    when it ends; empty for a permanent ban ({@code bantime -1})
 */
public record Ban(LedgerKey key, String origin, Instant start, Optional<Instant> end) {
    public Ban {
        Objects.requireNonNull(key, "key");
        origin = LedgerKey.name("host", origin);
        start = Instant.ofEpochMilli(start.toEpochMilli());
        end = end.map(e -> Instant.ofEpochMilli(e.toEpochMilli()));
        if (end.isPresent() && end.get().isBefore(start)) {
            throw new IllegalArgumentException("a ban cannot end (" + end.get() + ") before it starts (" + start + ")");
        }
    }

    /**
     * A ban of {@code bantimeSeconds} from {@code start}; a negative bantime (fail2ban's {@code -1}) is a
     * permanent ban.
     *
     * @throws IllegalArgumentException when {@code address} is not an address or CIDR block
     */
    public static Ban of(String channel, String origin, String jail, String address, Instant start,
                         long bantimeSeconds) {
        return new Ban(LedgerKey.of(channel, jail, address), origin, start,
                bantimeSeconds < 0 ? Optional.empty() : Optional.of(start.plusSeconds(bantimeSeconds)));
    }

    public boolean isPermanent() {
        return end.isEmpty();
    }
}
