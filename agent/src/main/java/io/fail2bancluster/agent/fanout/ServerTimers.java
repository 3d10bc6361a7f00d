package io.fail2bancluster.agent.fanout;

import io.fail2bancluster.config.ServerConfig;
import java.time.Duration;

/**
 * The timers one server's {@code ping_interval} and {@code ping_timeout} set, derived in this one place.
 *
 * @param pingInterval     a {@code ping} is written after this long without writing anything
 * @param readerIdle       a connection that received nothing for this long is dead, hung or half-open
 * @param greetingDeadline a server that has not sent {@code debug!connected...} by then is not a fanout
 *                         server we can use (a port that accepts but never greets)
 * @param connectTimeout   a TCP (and TLS) connect that has not completed by then is given up and retried
 */
public record ServerTimers(Duration pingInterval, Duration readerIdle, Duration greetingDeadline, Duration connectTimeout) {
    /** Past this a connect is hopeless whatever the ping timeout; the backoff then paces the retries. */
    static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(30);

    public static ServerTimers of(ServerConfig server) {
        Duration timeout = server.pingTimeout();
        Duration connect = timeout.compareTo(MAX_CONNECT_TIMEOUT) < 0 ? timeout : MAX_CONNECT_TIMEOUT;
        return new ServerTimers(server.pingInterval(), timeout, timeout, connect);
    }

    /** {@link #connectTimeout} as Netty's {@code CONNECT_TIMEOUT_MILLIS} wants it: at least 1. */
    public int connectTimeoutMillis() {
        return (int) Math.max(1, connectTimeout.toMillis());
    }
}
