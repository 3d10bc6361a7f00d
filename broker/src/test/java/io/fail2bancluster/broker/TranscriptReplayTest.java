package io.fail2bancluster.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fail2bancluster.broker.Transcript.Section;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays both sections of the reference capture ({@code protocol-transcript.txt}) against our
 * broker, each on a fresh in-process {@link Broker} started like the reference was (same client
 * limit). The same replay runs against any external server instead:
 * <pre>
 *   -Dfanout.external=HOST:PORT           a server started without a client limit
 *   -Dfanout.external.limited=HOST:PORT   a server started with --client-limit=3
 * </pre>
 * When either is given, sections without their external server are skipped.
 */
class TranscriptReplayTest {
    static final String EXTERNAL = "fanout.external";
    static final String EXTERNAL_LIMITED = "fanout.external.limited";

    @Test
    void transcriptHasBothSections() throws IOException {
        Transcript transcript = Transcript.load("/protocol-transcript.txt");
        assertEquals(2, transcript.sections().size());
        assertEquals(3, transcript.sections().get(0).clientLimit());
        assertEquals(0, transcript.sections().get(1).clientLimit());
        assertTrue(transcript.sections().get(0).steps().size() > 40, "first section parsed whole");
        assertTrue(transcript.sections().get(1).steps().size() > 10, "second section parsed whole");
    }

    @TestFactory
    Stream<DynamicTest> replaysEverySection() throws IOException {
        Transcript transcript = Transcript.load("/protocol-transcript.txt");
        return transcript.sections().stream().map(section ->
                DynamicTest.dynamicTest(section.header(), () -> replay(section)));
    }

    private static void replay(Section section) throws IOException {
        String limited = System.getProperty(EXTERNAL_LIMITED);
        String unlimited = System.getProperty(EXTERNAL);
        if (limited != null || unlimited != null) {
            String target = section.clientLimit() > 0 ? limited : unlimited;
            assumeTrue(target != null, "no external server given for: " + section.header());
            try (TranscriptReplayer replayer = new TranscriptReplayer(hostPort(target))) {
                replayer.replay(section);
            }
            return;
        }
        // several event loops, so subscribers and announcers really sit on different threads
        BrokerOptions options = BrokerOptions.defaults().withPort(0).withThreads(4)
                .withClientLimit(section.clientLimit());
        try (Broker broker = Broker.start(options);
                TranscriptReplayer replayer = new TranscriptReplayer(
                        new InetSocketAddress("127.0.0.1", broker.port()))) {
            replayer.replay(section);
        }
    }

    private static InetSocketAddress hostPort(String value) {
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected HOST:PORT, got " + value);
        }
        return new InetSocketAddress(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
    }
}
