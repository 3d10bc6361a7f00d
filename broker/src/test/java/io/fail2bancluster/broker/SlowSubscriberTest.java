package io.fail2bancluster.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A subscriber that never reads must not make the broker hold every announce, nor hold the others back for
 * long: while it is behind the publisher is not read (back-pressure), once it stayed behind for the write
 * deadline it is closed, and the broker goes on serving everyone else.
 */
class SlowSubscriberTest {
    private static final int BOUND = 64 * 1024;
    private static final byte[] ANNOUNCE =
            ("announce flood " + "x".repeat(1000) + "\n").getBytes(StandardCharsets.US_ASCII);

    @Test
    void subscriberThatNeverReadsIsClosedAndOthersAreServed() throws Exception {
        BrokerOptions options = BrokerOptions.defaults().withPort(0).withThreads(2).withOutboundLimitBytes(BOUND)
                .withWriteDeadline(Duration.ofSeconds(1));
        try (LogCapture log = LogCapture.of(SlowClientGuard.class);
                Broker broker = Broker.start(options);
                Socket subscriber = new Socket();
                Socket publisher = new Socket()) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", broker.port());
            subscriber.setReceiveBufferSize(4096);
            subscriber.connect(address);
            subscriber.getOutputStream().write("subscribe flood\n".getBytes(StandardCharsets.US_ASCII));
            publisher.setTcpNoDelay(true);
            publisher.connect(address);
            await().atMost(Duration.ofSeconds(10)).until(() -> broker.stats().currentSubscriptions() == 3);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong published = new AtomicLong();
            CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> publish(publisher, stop, published));
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> broker.stats().slowClientsClosed() == 1);
            } finally {
                stop.set(true);
                flood.join();
            }

            // the subscriber gets what was already in the kernel's buffers, then the close
            long received = drain(subscriber.getInputStream());
            assertTrue(published.get() > 4L * BOUND, "the publisher went well past the bound: " + published);
            assertTrue(broker.stats().announcerPauses() >= 1, "the publisher was held back meanwhile");
            assertTrue(received < published.get(), "received " + received + " of " + published
                    + ": the broker did not keep everything for the subscriber");
            assertEquals(1, broker.stats().currentConnections(), "only the publisher is left");

            OutputStream out = publisher.getOutputStream();
            out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = publisher.getInputStream();
            assertEquals("debug!connected...\n", readLine(in));
            String reply = readLine(in);
            assertTrue(reply.matches("\\d+\n"), "the publisher is still served: " + reply);

            assertEquals(1, log.messages().size(), log.messages().toString());
            assertTrue(log.messages().get(0).contains("closing a slow consumer: its output has been more than "
                    + BOUND + " bytes behind for 1000 ms"), log.messages().get(0));
        }
    }

    private static void publish(Socket publisher, AtomicBoolean stop, AtomicLong published) {
        byte[] batch = new byte[ANNOUNCE.length * 64];
        for (int i = 0; i < 64; i++) {
            System.arraycopy(ANNOUNCE, 0, batch, i * ANNOUNCE.length, ANNOUNCE.length);
        }
        try {
            OutputStream out = publisher.getOutputStream();
            while (!stop.get()) {
                out.write(batch);
                published.addAndGet(batch.length);
            }
        } catch (IOException e) {
            throw new IllegalStateException("the broker stopped reading the publisher", e);
        }
    }

    private static long drain(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            total += n;
        }
        return total;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0; b = in.read()) {
            line.append((char) b);
            if (b == '\n') {
                break;
            }
        }
        return line.toString();
    }
}
