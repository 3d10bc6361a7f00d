package io.fail2bancluster.agent.nft;

import io.fail2bancluster.config.AddressRange;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * One element to add to or delete from a set, with where it came from and who waits for the outcome.
 *
 * @param set     the set's name
 * @param element the address or CIDR block, canonical
 * @param until   when the ban ends; null for an unban, {@link Instant#MAX} for a permanent ban
 * @param origin  what asked for it (the message as received), named when nft refuses the element
 * @param done    told the outcome on the writer's thread: null when applied, else why not
 */
record NftOp(String set, AddressRange element, Instant until, String origin, Consumer<String> done) {

    boolean isBan() {
        return until != null;
    }

    /** The element as nft writes it in an {@code add element} statement, with what is left of the ban. */
    String added(Instant now) {
        if (until == null || until.equals(Instant.MAX)) {
            return element.canonical();
        }
        long millis = Math.max(1000, until.toEpochMilli() - now.toEpochMilli());
        return element.canonical() + " timeout " + millis + "ms";
    }
}
