package io.fail2bancluster.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fail2bancluster.broker.Transcript.Section;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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

    /** The transcript's last note: fanout has no line limit; ours delivers as long a line as --max-line allows. */
    @Test
    void deliversA100000ByteMessageWholeWhenMaxLineAllowsIt() throws IOException {
        String message = "m".repeat(100_000);
        try (Broker broker = Broker.start(BrokerOptions.defaults().withPort(0).withThreads(2).withMaxLine(200_000));
                Socket subscriber = new Socket("127.0.0.1", broker.port());
                Socket publisher = new Socket("127.0.0.1", broker.port())) {
            subscriber.setSoTimeout(5_000);
            subscriber.getOutputStream().write("subscribe Dup\n".getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(10)).until(() -> broker.stats().currentSubscriptions() == 3);
            publisher.getOutputStream().write(("announce Dup " + message + "\n").getBytes(StandardCharsets.US_ASCII));

            byte[] expected = ("debug!connected...\nDup!" + message + "\n").getBytes(StandardCharsets.US_ASCII);
            byte[] received = subscriber.getInputStream().readNBytes(expected.length);
            assertEquals(100_005, expected.length - "debug!connected...\n".length());
            assertArrayEquals(expected, received);
        }
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
