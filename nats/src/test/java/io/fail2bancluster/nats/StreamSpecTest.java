package io.fail2bancluster.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class StreamSpecTest {
    private final StreamSpec spec = new StreamSpec("BANS", Duration.ofDays(30), OptionalInt.empty());

    @Test
    void theStreamKeepsTheLatestMessagePerKeyForTheRetention() {
        StreamConfiguration config = spec.configuration(3);
        assertEquals("BANS", config.getName());
        assertEquals(List.of("BANS.>"), config.getSubjects());
        assertEquals(1, config.getMaxMsgsPerSubject());
        assertEquals(Duration.ofDays(30), config.getMaxAge());
        assertEquals(3, config.getReplicas());
        assertEquals(StorageType.File, config.getStorageType());
        assertEquals(Duration.ofMinutes(2), config.getDuplicateWindow());
        assertEquals(List.of(), spec.conflicts(config));
    }

    @Test
    void theDuplicateWindowNeverExceedsTheRetention() {
        assertEquals(Duration.ofSeconds(30), new StreamSpec("B", Duration.ofSeconds(30), OptionalInt.empty())
                .duplicateWindow());
    }

    @Test
    void replicasDefaultToThreeOnAClusterOfThreeOrMore() {
        assertEquals(1, StreamSpec.defaultReplicas(1));
        assertEquals(1, StreamSpec.defaultReplicas(2));
        assertEquals(3, StreamSpec.defaultReplicas(3));
        assertEquals(3, StreamSpec.defaultReplicas(5));
    }

    @Test
    void whatContradictsTheSpecIsNamed() {
        StreamConfiguration other = StreamConfiguration.builder().name("BANS").subjects("bans.>")
                .maxMessagesPerSubject(-1).maxAge(Duration.ofDays(1)).replicas(1).build();
        assertEquals(List.of("subjects [bans.>] do not include BANS.>",
                "max_msgs_per_subject is -1, needs 1 (the latest message per ban key)",
                "max_age is 86400 s, the config's retention is 2592000 s"), spec.conflicts(other));
        StreamSpec three = new StreamSpec("BANS", Duration.ofDays(30), OptionalInt.of(3));
        assertEquals(List.of("replicas is 1, the config says 3"), three.conflicts(spec.configuration(1)));
    }
}
