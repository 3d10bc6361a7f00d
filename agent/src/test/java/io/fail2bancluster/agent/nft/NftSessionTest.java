package io.fail2bancluster.agent.nft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fail2bancluster.util.Backoff;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long-lived nft against a stand-in that answers as {@code nft -i} does: nothing for an applied line, an
 * {@code Error:} block for a refused one and for the marker's {@code list set} of a set that is not there; and
 * nothing at all for one it hangs on, an exit for one it dies on.
 */
class NftSessionTest {
    private static final String BAN = "add element inet fail2ban_cluster ch_F_v4 { 192.0.2.7 timeout 60000ms }\n";
    private static final String UNBAN = "add element inet fail2ban_cluster ch_F_v4 { 192.0.2.7 }\n"
            + "delete element inet fail2ban_cluster ch_F_v4 { 192.0.2.7 }\n";
    /** $1: where each line read is recorded. As nft 1.0.6 answers: nothing for an applied line. */
    private static final String STAND_IN = """
            while IFS= read -r line; do
              case "$line" in
                "list set "*) echo "Error: No such file or directory"; echo "$line"; echo "                 ^^^^^^" ;;
                *192.0.2.66*) echo "$line" >> "$1"
                  echo "Error: Could not process rule: interval overlaps"; echo "$line"; echo "   ^^^^^^^^^^" ;;
                *192.0.2.77*) echo "$line" >> "$1"; read -r marker ;;
                *192.0.2.88*) exit 0 ;;
                *192.0.2.99*) echo "something else" ;;
                *) echo "$line" >> "$1" ;;
              esac
            done
            """;

    @TempDir
    Path dir;
    private final FakeNft fallback = new FakeNft();
    private NftSession session;

    private NftSession session(Duration timeout) throws IOException {
        Path script = Files.writeString(dir.resolve("nft.sh"), STAND_IN);
        session = new NftSession(List.of("sh", script.toString(), dir.resolve("lines").toString()), fallback, timeout,
                new Backoff(Duration.ofMillis(1), Duration.ofMillis(2)));
        return session;
    }

    @AfterEach
    void close() {
        if (session != null) {
            session.close();
        }
    }

    private List<String> lines() throws IOException {
        return Files.exists(dir.resolve("lines")) ? Files.readAllLines(dir.resolve("lines")) : List.of();
    }

    @Test
    void aBatchIsOneLineOneTransactionAndItsGenerationLineTheAcknowledgement() throws IOException {
        NftSession nft = session(Duration.ofSeconds(10));
        assertNull(nft.run(BAN));
        assertNull(nft.run(UNBAN));
        assertEquals(List.of(BAN.strip(), UNBAN.strip().replace("\n", "; ")), lines());
        assertEquals(List.of(), fallback.scripts, "nothing went through nft -f");
        assertEquals(2, nft.acknowledged());
    }

    @Test
    void aRefusedBatchIsNamedAndTheSessionGoesOn() throws IOException {
        NftSession nft = session(Duration.ofSeconds(10));
        String bad = BAN.replace("192.0.2.7", "192.0.2.66");
        assertEquals("Error: Could not process rule: interval overlaps", nft.run(bad));
        assertNull(nft.run(BAN), "the marker's answer was read whole: the next batch's starts clean");
        assertEquals(List.of(bad.strip(), BAN.strip()), lines(), "one session");
        assertEquals(List.of(), fallback.scripts);
        assertEquals(2, nft.acknowledged());
    }

    @Test
    void noAnswerAnExitOrStrayOutputFallBackAndTheSessionStartsAgainAfterABackoff() throws IOException {
        NftSession nft = session(Duration.ofMillis(300));
        for (String doubt : List.of("192.0.2.77", "192.0.2.88", "192.0.2.99")) {
            String script = BAN.replace("192.0.2.7", doubt);
            assertNull(nft.run(script), doubt);
            assertEquals(script, fallback.scripts.get(fallback.scripts.size() - 1), doubt + " went through nft -f");
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                long before = nft.acknowledged();
                nft.run(BAN);
                return nft.acknowledged() == before + 1;
            });
        }
        assertEquals(3, nft.fellBack());
    }

    @Test
    void theTableAndLargeBatchesAlwaysGoThroughNftF() throws IOException {
        NftSession nft = session(Duration.ofSeconds(10));
        String table = "add table inet fail2ban_cluster\nadd element inet fail2ban_cluster s { 192.0.2.1 }\n";
        String burst = "add element inet fail2ban_cluster ch_F_v4 { " + "192.0.2.1, ".repeat(NftSession.MAX_LINE / 10)
                + "192.0.2.2 }\n";
        String deletes = "delete element inet fail2ban_cluster ch_F_v4 { 192.0.2.7 }\n";
        for (String script : List.of(table, burst, deletes)) {
            assertNull(nft.run(script));
        }
        assertEquals(List.of(table, burst, deletes), fallback.scripts);
        assertEquals(List.of(), lines(), "no session was even started");
    }
}
