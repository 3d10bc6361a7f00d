package io.fail2bancluster.agent.ledger;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An unban as a message states it. The ledger keeps it as a revocation until the end of the ban it
 * revokes, so that a late re-announce of that ban is recognised and never run.
 *
 * @param key    channel, jail, address
 * @param origin the host that unbanned
 * @param at     when it was unbanned
 * @param end    how long to keep the revocation when the ledger does not know the ban it revokes (it
 *               missed the ban): the ban's end when the message says, else a horizon the caller chooses;
 *               empty keeps it for good. A known ban's own end is used otherwise.
 */
public record Unban(LedgerKey key, String origin, Instant at, Optional<Instant> end) {
    public Unban {
        Objects.requireNonNull(key, "key");
        origin = LedgerKey.name("host", origin);
        at = Instant.ofEpochMilli(at.toEpochMilli());
        end = end.map(e -> Instant.ofEpochMilli(e.toEpochMilli()));
    }
}
