package io.fail2bancluster.broker;

import io.fail2bancluster.protocol.Wire;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link Broker} listens and what it tolerates. Start from {@link #defaults()} and change what
 * differs: {@code BrokerOptions.defaults().withPort(0).withClientLimit(3)}.
 *
 * @param bindAddress         host or address to listen on; {@code null} listens on all addresses, as fanout does
 * @param port                TCP port; 0 picks a free one (see {@link Broker#port()})
 * @param clientLimit         most connections at once, 0 for no limit; the next one is answered
 *                            {@code debug!busy} and closed, as fanout does
 * @param maxLine             longest command line in bytes, without its {@code \n}; longer lines are dropped
 *                            and counted, the connection stays open (fanout has no limit)
 * @param threads             event loop threads
 * @param outboundLimitBytes  bytes that may wait to be sent to one client (beyond what the kernel holds) before
 *                            it is behind: announcers are then held back until it catches up, or until the
 *                            write deadline closes it
 * @param deliveryBudgetBytes what the lines waiting for all subscribers together may cost (shared buffers plus
 *                            each subscriber's queue entries) before announcers are held back; it must fit the
 *                            heap with room to spare (see docs/broker.md#memory-budget)
 * @param writeDeadline       how long a client may stay behind before it is closed as a slow consumer
 * @param tls                 TLS on the port when present; plain TCP, as fanout, when empty
 */
public record BrokerOptions(String bindAddress, int port, int clientLimit, int maxLine, int threads,
        int outboundLimitBytes, long deliveryBudgetBytes, Duration writeDeadline, Optional<BrokerTls> tls) {

    public static final int DEFAULT_OUTBOUND_LIMIT_BYTES = 256 * 1024;
    /** Fits the launcher's 64 MiB heap (and as much direct memory) with room for everything else. */
    public static final long DEFAULT_DELIVERY_BUDGET_BYTES = 16L * 1024 * 1024;
    public static final Duration DEFAULT_WRITE_DEADLINE = Duration.ofSeconds(5);

    public BrokerOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (clientLimit < 0) {
            throw new IllegalArgumentException("client limit must be 0 (no limit) or more, got " + clientLimit);
        }
        if (maxLine < 1) {
            throw new IllegalArgumentException("max line must be at least 1 byte, got " + maxLine);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        Objects.requireNonNull(tls, "tls");
        if (outboundLimitBytes < 1024) {
            throw new IllegalArgumentException("outbound limit must be at least 1024 bytes, got "
                    + outboundLimitBytes);
        }
        if (deliveryBudgetBytes < 64 * 1024) {
            throw new IllegalArgumentException("delivery budget must be at least 64 KiB, got "
                    + deliveryBudgetBytes + " bytes");
        }
        Objects.requireNonNull(writeDeadline, "writeDeadline");
        if (writeDeadline.toMillis() < 1) {
            throw new IllegalArgumentException("write deadline must be at least 1 ms, got " + writeDeadline);
        }
    }

    /** Plain TCP, the default delivery budget and write deadline. */
    public BrokerOptions(String bindAddress, int port, int clientLimit, int maxLine, int threads,
                         int outboundLimitBytes) {
        this(bindAddress, port, clientLimit, maxLine, threads, outboundLimitBytes, DEFAULT_DELIVERY_BUDGET_BYTES,
                DEFAULT_WRITE_DEADLINE, Optional.empty());
    }

    /**
     * Port 1986 on all addresses, no client limit, 64 KiB lines, one thread per core, 256 KiB behind per
     * client, a 16 MiB delivery budget, a 5 s write deadline.
     */
    public static BrokerOptions defaults() {
        return new BrokerOptions(null, Wire.DEFAULT_PORT, 0, Wire.DEFAULT_MAX_LINE,
                Runtime.getRuntime().availableProcessors(), DEFAULT_OUTBOUND_LIMIT_BYTES);
    }

    public BrokerOptions withBindAddress(String bindAddress) {
        return new BrokerOptions(bindAddress, port, clientLimit, maxLine, threads, outboundLimitBytes, deliveryBudgetBytes,
                writeDeadline, tls);
    }

    public BrokerOptions withPort(int port) {
        return new BrokerOptions(bindAddress, port, clientLimit, maxLine, threads, outboundLimitBytes, deliveryBudgetBytes,
                writeDeadline, tls);
    }

    public BrokerOptions withClientLimit(int clientLimit) {
        return new BrokerOptions(bindAddress, port, clientLimit, maxLine, threads, outboundLimitBytes, deliveryBudgetBytes,
                writeDeadline, tls);
    }

    public BrokerOptions withMaxLine(int maxLine) {
        return new BrokerOptions(bindAddress, port, clientLimit, maxLine, threads, outboundLimitBytes, deliveryBudgetBytes,
                writeDeadline, tls);
    }

    public BrokerOptions withThreads(int threads) {
        return new BrokerOptions(bindAddress, port, clientLimit, maxLine, threads, outboundLimitBytes, deliveryBudgetBytes,
                writeDeadline, tls);
    }

    public BrokerOptions withOutboundLimitBytes(int outboundLimitBytes) {
        return new BrokerOptions(bindAddress, port, clientLimit, maxLine, threads, outboundLimitBytes, deliveryBudgetBytes,
                writeDeadline, tls);
    }

    public BrokerOptions withDeliveryBudgetBytes(long deliveryBudgetBytes) {
        return new BrokerOptions(bindAddress, port, clientLimit, maxLine, threads, outboundLimitBytes, deliveryBudgetBytes,
                writeDeadline, tls);
    }

    public BrokerOptions withWriteDeadline(Duration writeDeadline) {
        return new BrokerOptions(bindAddress, port, clientLimit, maxLine, threads, outboundLimitBytes, deliveryBudgetBytes,
                writeDeadline, tls);
    }

    public BrokerOptions withTls(BrokerTls tls) {
        return new BrokerOptions(bindAddress, port, clientLimit, maxLine, threads, outboundLimitBytes, deliveryBudgetBytes,
                writeDeadline, Optional.of(tls));
    }
}
