package io.fail2bancluster.agent.ledger;

import static io.fail2bancluster.agent.ledger.LedgerRulesTest.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one entry costs: the heap a ledger of 100,000 retains, measured after full collections, printed for the
 * docs and held to a bound that a careless change (a String per address, a boxed time) would break.
 */
class LedgerMemoryTest {
    private static final int ENTRIES = 100_000;

    @TempDir
    Path dir;

    private static long retained() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    private long perEntry(boolean ipv6, String folder, int entries) throws Exception {
        TestClock clock = new TestClock(T0);
        long before = retained();
        Ledger ledger = Ledger.open(dir.resolve(folder), entries, clock);
        for (int i = 0; i < entries; i++) {
            String address = ipv6 ? "2001:db8:" + Integer.toHexString(i >> 8) + "::" + Integer.toHexString(i & 0xff)
                    : "10." + (i >> 16) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff);
            ledger.applied(Ban.of("Fail2ban", "host-" + (i % 50), "sshd", address, T0.plusMillis(i), 86_400));
        }
        ledger.write(); // the unwritten records go with it: what stays is the entries
        long after = retained();
        assertEquals(entries, ledger.size());
        return (after - before) / entries;
    }

    @Test
    void anEntryCostsWhatCheckAndTheDocsSay() throws Exception {
        perEntry(false, "warm-up", 1000); // the classes, the JIT and the caches they fill are not the ledger's
        perEntry(true, "warm-up-6", 1000);
        long v4 = perEntry(false, "v4", ENTRIES);
        long v6 = perEntry(true, "v6", ENTRIES);
        System.out.println("ledger heap per entry: IPv4 " + v4 + " bytes, IPv6 " + v6 + " bytes (" + ENTRIES
                + " entries; JVM " + System.getProperty("java.vm.name") + " " + Runtime.version() + ")");
        // what check and the docs state, within the noise of a measurement (about 10 bytes at 100,000)
        long stated = Ledger.HEAP_BYTES_PER_ENTRY;
        assertTrue(v4 > 100 && v4 <= stated + 15, "IPv4: " + v4 + " bytes per entry, " + stated + " stated");
        assertTrue(v6 > 100 && v6 <= stated + 15, "IPv6: " + v6 + " bytes per entry, " + stated + " stated");
    }
}
