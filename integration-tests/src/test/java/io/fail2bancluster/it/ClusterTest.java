package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ClusterTest {

    @Test
    void aFailureCarriesTheTailOfTheAgentsLog() throws Exception {
        Cluster cluster = new Cluster();
        cluster.beforeEach(null);
        try {
            Files.writeString(cluster.dir().resolve("agent.log"), IntStream.rangeClosed(1, 100)
                    .mapToObj(i -> "log line " + i).collect(Collectors.joining("\n", "", "\n")));
            AssertionError failure = new AssertionError("never subscribed");

            AssertionError thrown = assertThrows(AssertionError.class,
                    () -> cluster.handleTestExecutionException(null, failure));

            assertSame(failure, thrown.getCause());
            String message = thrown.getMessage();
            assertTrue(message.startsWith("java.lang.AssertionError: never subscribed\n--- last 40 lines of "), message);
            assertTrue(message.contains("agent.log ---\nlog line 61\n") && message.endsWith("log line 100\n"), message);
            assertTrue(!message.contains("log line 60\n"), message);
        } finally {
            cluster.afterEach(null);
        }
    }

    @Test
    void withoutLogsTheFailureIsUnchanged() throws Exception {
        Cluster cluster = new Cluster();
        cluster.beforeEach(null);
        try {
            AssertionError failure = new AssertionError("x");
            assertSame(failure, assertThrows(AssertionError.class,
                    () -> cluster.handleTestExecutionException(null, failure)));
        } finally {
            cluster.afterEach(null);
        }
    }
}
