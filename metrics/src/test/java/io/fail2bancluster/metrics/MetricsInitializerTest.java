package io.fail2bancluster.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whole metrics pipeline, raw HTTP bytes in and out, as a scraper (or a hostile local user) sees it. */
class MetricsInitializerTest {
    private static final String PAGE = "fail2ban_cluster_info{version=\"1\"} 1\n";

    private final ChannelGroup open = new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE);
    private final AtomicInteger renders = new AtomicInteger();
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = connection();
    }

    @AfterEach
    void nothingLeftOver() {
        assertFalse(channel.finishAndReleaseAll(), "every request answered and every buffer read");
    }

    private EmbeddedChannel connection() {
        // a channel group tells channels apart by id; every EmbeddedChannel has the same one by default
        EmbeddedChannel ch = new EmbeddedChannel(DefaultChannelId.newInstance());
        ch.freezeTime();
        ch.pipeline().addLast(new MetricsInitializer(open, () -> {
            renders.incrementAndGet();
            return PAGE;
        }, "test"));
        return ch;
    }

    /** Sends {@code request} and returns everything written back, as text. */
    private String exchange(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        StringBuilder out = new StringBuilder();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
            out.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }
        return out.toString();
    }

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4; charset=utf-8\r\n"
                + "content-length: " + PAGE.length() + "\r\n\r\n" + body;
    }

    @Test
    void getMetricsAnswersThePageAndKeepsTheConnection() {
        assertEquals(ok(PAGE), exchange("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertTrue(channel.isOpen());
        assertEquals(ok(PAGE), exchange("GET /metrics?name[]=x HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertEquals(2, renders.get(), "a fresh snapshot per request");
        assertTrue(channel.isOpen());
    }

    @Test
    void pipelinedRequestsGetOneAnswerEachInOrder() {
        assertEquals(ok(PAGE) + ok(PAGE), exchange("GET /metrics HTTP/1.1\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n"));
    }

    @Test
    void closesAfterTheAnswerWhenTheClientAsksForIt() {
        assertEquals("HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4; charset=utf-8\r\n"
                        + "content-length: " + PAGE.length() + "\r\nconnection: close\r\n\r\n" + PAGE,
                exchange("GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n"));
        assertFalse(channel.isOpen());
    }

    @Test
    void http10WithoutKeepAliveIsClosedAfterTheAnswer() {
        assertTrue(exchange("GET /metrics HTTP/1.0\r\n\r\n").endsWith("\r\n\r\n" + PAGE));
        assertFalse(channel.isOpen());
    }

    @Test
    void headAnswersTheHeadersOnly() {
        assertEquals(ok(""), exchange("HEAD /metrics HTTP/1.1\r\n\r\n"));
        assertTrue(channel.isOpen());
    }

    @Test
    void otherPathsAre404() {
        assertEquals("HTTP/1.1 404 Not Found\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 35\r\n\r\n"
                + "not found; metrics are at /metrics\n", exchange("GET / HTTP/1.1\r\n\r\n"));
        assertTrue(exchange("GET /metricsx HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 404 "));
        assertTrue(channel.isOpen());
        assertEquals(0, renders.get());
    }

    @Test
    void otherMethodsAre405WithWhatIsAllowed() {
        assertEquals("HTTP/1.1 405 Method Not Allowed\r\ncontent-type: text/plain; charset=utf-8\r\n"
                + "content-length: 8\r\nallow: GET, HEAD\r\n\r\nuse GET\n",
                exchange("POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"));
        assertTrue(channel.isOpen());
        assertEquals(0, renders.get());
    }

    @Test
    void anOverlongRequestLineIs400AndClosed() {
        String answer = exchange("GET /" + "a".repeat(MetricsInitializer.MAX_REQUEST_LINE) + " HTTP/1.1\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 Bad Request\r\n"), answer);
        assertTrue(answer.contains("connection: close\r\n"), answer);
        assertFalse(channel.isOpen());
    }

    @Test
    void headersPastTheLimitAre400AndClosed() {
        String answer = exchange("GET /metrics HTTP/1.1\r\nX-Junk: " + "a".repeat(MetricsInitializer.MAX_HEADERS)
                + "\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 Bad Request\r\n"), answer);
        assertFalse(channel.isOpen());
        assertEquals(0, renders.get());
    }

    @Test
    void aBodyPastTheLimitIsRefusedUnread() {
        String answer = exchange("POST /metrics HTTP/1.1\r\nContent-Length: " + (MetricsInitializer.MAX_BODY + 1)
                + "\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 413 Request Entity Too Large\r\n"), answer);
        assertEquals(0, renders.get());
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() {
        exchange("GET /metrics HTTP/1.1\r\n\r\n");
        advance(MetricsInitializer.IDLE_TIMEOUT.minusMillis(1));
        assertTrue(channel.isOpen());
        exchange("GET /met");
        advance(MetricsInitializer.IDLE_TIMEOUT.minusMillis(1));
        assertTrue(channel.isOpen(), "the timeout counts from the last bytes received");
        advance(Duration.ofMillis(1));
        assertFalse(channel.isOpen());
    }

    private void advance(Duration by) {
        channel.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void aClientThatDoesNotReadItsAnswersIsCutOff() {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        assertEquals("", exchange("GET /metrics HTTP/1.1\r\n\r\n"));
        assertFalse(channel.isOpen());
        assertEquals(0, renders.get());
    }

    @Test
    void connectionsPastTheLimitAreClosedAtOnce() {
        EmbeddedChannel[] others = new EmbeddedChannel[MetricsInitializer.MAX_CONNECTIONS - 1];
        for (int i = 0; i < others.length; i++) {
            others[i] = connection();
            assertTrue(others[i].isOpen());
        }
        EmbeddedChannel oneTooMany = connection();
        assertFalse(oneTooMany.isOpen());
        others[0].close();
        EmbeddedChannel again = connection();
        assertTrue(again.isOpen(), "a closed connection frees its place");
        for (EmbeddedChannel other : others) {
            assertFalse(other.finishAndReleaseAll());
        }
        assertFalse(oneTooMany.finishAndReleaseAll());
        assertFalse(again.finishAndReleaseAll());
    }
}
