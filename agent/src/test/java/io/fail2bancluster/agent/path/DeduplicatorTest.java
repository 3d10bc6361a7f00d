package io.fail2bancluster.agent.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeduplicatorTest {
    private static final Duration WINDOW = Duration.ofSeconds(5);
    private static final String BAN = "jail=sshd, action=banip, ip=192.0.2.7";
    private static final String UNBAN = "jail=sshd, action=unbanip, ip=192.0.2.7";
    private static final long NOW = 1_000_000_000L;

    private final Deduplicator dedupe = new Deduplicator(WINDOW);

    private int runs(List<Integer> servers, String message) {
        int runs = 0;
        for (int server : servers) {
            runs += dedupe.admit(server, "Fail2ban", message, NOW) ? 1 : 0;
        }
        return runs;
    }

    @Test
    void onePublishThroughThreeServersRunsOnce() {
        assertEquals(1, runs(List.of(2, 0, 1), BAN));
    }

    @Test
    void kPublishesRunKTimesHoweverTheCopiesInterleave() {
        // ban, unban, ban of one address: the two bans are the same text and must both run.
        assertEquals(1, runs(List.of(0), BAN));
        assertEquals(1, runs(List.of(0), UNBAN));
        assertEquals(1, runs(List.of(1), BAN) + runs(List.of(0), BAN));
        assertEquals(0, runs(List.of(1, 2, 2), BAN), "the late copies of the second ban");
        assertEquals(0, runs(List.of(1, 2), UNBAN));
        assertEquals(4, runs(List.of(0, 1, 2, 0, 0, 1, 2, 1, 2, 0, 2, 1), BAN), "four more publishes, copies mixed");
    }

    @Test
    void theSameMessageOnAnotherChannelIsNotADuplicate() {
        assertTrue(dedupe.admit(0, "Fail2ban", BAN, NOW));
        assertTrue(dedupe.admit(1, "Other", BAN, NOW));
    }

    @Test
    void entriesExpireWhenNoCopyArrivedForTheWindow() {
        assertTrue(dedupe.admit(0, "Fail2ban", BAN, NOW));
        assertFalse(dedupe.admit(1, "Fail2ban", BAN, NOW + WINDOW.toNanos() - 1), "inside the window");
        // The copy above slid the window; a further copy just past it is a new publish.
        assertTrue(dedupe.admit(1, "Fail2ban", BAN, NOW + 2 * WINDOW.toNanos()));
        assertEquals(1, dedupe.size(), "the old entry is gone");
    }

    @Test
    void aFloodOfDistinctMessagesStaysWithinTheCap() {
        Deduplicator small = new Deduplicator(WINDOW, 100);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(small.admit(0, "Fail2ban", "ip=" + i, NOW));
        }
        assertEquals(100, small.size());
        assertEquals(9_900, small.evicted());
    }

    @Test
    void aZeroWindowTurnsItOff() {
        Deduplicator off = new Deduplicator(Duration.ZERO);
        assertFalse(off.enabled());
        assertTrue(off.admit(0, "Fail2ban", BAN, NOW));
        assertTrue(off.admit(1, "Fail2ban", BAN, NOW));
        assertEquals(0, off.size());
    }

    @Test
    void remembersNothingForAChannelOnlyOneServerCarries() {
        dedupe.redundantChannels(Set.of("Shared"));
        for (int i = 0; i < 3; i++) {
            assertTrue(dedupe.admit(0, "Fail2ban", BAN, NOW), "every copy from the only server runs");
        }
        assertEquals(0, dedupe.size());
        assertTrue(dedupe.admit(0, "Shared", BAN, NOW));
        assertFalse(dedupe.admit(1, "Shared", BAN, NOW), "a channel two servers carry is still deduplicated");
        assertEquals(1, dedupe.size());
    }
}
