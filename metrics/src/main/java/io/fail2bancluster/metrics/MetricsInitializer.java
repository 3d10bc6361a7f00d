package io.fail2bancluster.metrics;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The pipeline of one metrics connection:
 * <pre>
 *   bytes -> idle -> http -> keep-alive -> aggregate -> metrics
 * </pre>
 * Everything is small and bounded, since any local user can connect: at most {@link #MAX_CONNECTIONS}
 * at once (more are closed at accept), a request line of {@link #MAX_REQUEST_LINE} bytes, headers of
 * {@link #MAX_HEADERS} bytes, a body of {@link #MAX_BODY} bytes (a scrape sends none), and a connection
 * that sends nothing for {@link #IDLE_TIMEOUT} is closed. The keep-alive handler closes the connection
 * after an answer when the request asked for that (HTTP/1.0 without keep-alive, {@code Connection: close})
 * or the answer says so.
 */
final class MetricsInitializer extends ChannelInitializer<Channel> {
    static final int MAX_CONNECTIONS = 16;
    static final int MAX_REQUEST_LINE = 1024;
    static final int MAX_HEADERS = 8192;
    static final int MAX_BODY = 1024;
    /** Shorter than Prometheus' default scrape interval: it then connects once per scrape, which costs nothing here. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

    static final String IDLE = "idle";
    static final String HTTP = "http";
    static final String KEEP_ALIVE = "keep-alive";
    static final String AGGREGATE = "aggregate";
    static final String METRICS = "metrics";

    private final ChannelGroup open;
    private final Supplier<String> page;
    private final String processName;

    /**
     * @param open        the connections open now; a new one joins it, or is closed when it is full
     * @param page        renders the page on the loop
     * @param processName names the process in the message of a fatal error
     */
    MetricsInitializer(ChannelGroup open, Supplier<String> page, String processName) {
        this.open = open;
        this.page = page;
        this.processName = processName;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (open.size() >= MAX_CONNECTIONS) {
            ch.close();
            return;
        }
        open.add(ch);
        ch.pipeline()
                .addLast(IDLE, new ReadTimeoutHandler(IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                .addLast(HTTP, new HttpServerCodec(new HttpDecoderConfig()
                        .setMaxInitialLineLength(MAX_REQUEST_LINE)
                        .setMaxHeaderSize(MAX_HEADERS)
                        .setMaxChunkSize(MAX_BODY)))
                .addLast(KEEP_ALIVE, new HttpServerKeepAliveHandler())
                .addLast(AGGREGATE, new HttpObjectAggregator(MAX_BODY))
                .addLast(METRICS, new MetricsHandler(page, processName));
    }
}
