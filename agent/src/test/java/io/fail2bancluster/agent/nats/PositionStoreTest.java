package io.fail2bancluster.agent.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PositionStoreTest {
    private static final Instant CREATED = Instant.parse("2026-11-30T08:00:00.123456789Z");

    @TempDir
    Path dir;

    @Test
    void noFileMeansNoState() throws IOException {
        assertEquals(Optional.empty(), new PositionStore(dir.resolve("state")).read("S@c"));
    }

    @Test
    void aWrittenPositionReadsBackAndReplacesTheLastOneLeavingNoTemporaryFile() throws IOException {
        Path state = dir.resolve("state");
        PositionStore store = new PositionStore(state);
        store.write("S@c", new StreamPosition(CREATED, 41));
        store.write("S@c", new StreamPosition(CREATED, 42));
        assertEquals(Optional.of(new StreamPosition(CREATED, 42)), store.read("S@c"));
        assertEquals(Optional.of(new StreamPosition(CREATED, 42)), new PositionStore(state).read("S@c"),
                "what survives a restart");
        try (Stream<Path> files = Files.list(state)) {
            assertEquals(java.util.List.of("nats-S@c.position"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void aBrokenFileIsAnErrorNamingItNotAFreshStart() throws IOException {
        PositionStore store = new PositionStore(dir);
        Files.writeString(store.file("S@c"), "sequence=x\n");
        IOException e = assertThrows(IOException.class, () -> store.read("S@c"));
        assertTrue(e.getMessage().startsWith(store.file("S@c") + ": not a stream position"), e.getMessage());
    }

    @Test
    void keysAreSafeFileNamesThatTellClustersApart() {
        assertEquals("FAIL2BAN_CLUSTER@eu-1", PositionStore.key("FAIL2BAN_CLUSTER", "eu-1"));
        assertEquals("FAIL2BAN_CLUSTER@standalone", PositionStore.key("FAIL2BAN_CLUSTER", null));
        assertEquals("S@a_b_.._c", PositionStore.key("S", "a/b/../c"));
        assertFalse(PositionStore.key("S", "x").equals(PositionStore.key("S", "y")));
    }

    @Test
    void aPositionOfAnotherIncarnationOfTheStreamIsNoPosition() {
        StreamPosition position = new StreamPosition(CREATED, 7);
        assertTrue(position.isOf(CREATED));
        assertFalse(position.isOf(CREATED.plusSeconds(1)));
    }
}
