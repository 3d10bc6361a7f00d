package io.fail2bancluster.broker;

import com.beust.jcommander.JCommander;
import com.beust.jcommander.Parameter;
import com.beust.jcommander.ParameterException;
import com.beust.jcommander.Parameters;
import io.fail2bancluster.config.ListenAddress;
import io.fail2bancluster.metrics.MetricsServer;
import io.fail2bancluster.protocol.Wire;
import io.fail2bancluster.util.BlockingCallGuard;
import io.fail2bancluster.util.ProductVersion;
import io.fail2bancluster.util.Transports;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import sun.misc.Signal;

/**
 * {@code fail2ban-cluster-broker}: runs a {@link Broker} until the process is stopped. Prints one line
 * on stdout once it listens ({@code fail2ban-cluster-broker listening on 0.0.0.0:1986}) so scripts
 * and tests can wait for it; logs go to stderr. Exit status: 0 after --help/--version, 1 when it
 * cannot listen, 2 for a usage error.
 */
public final class BrokerMain {
    static final String NAME = "fail2ban-cluster-broker";
    private static final Logger LOG = LogManager.getLogger(BrokerMain.class);
    private static final AtomicBoolean STOPPING = new AtomicBoolean();
    private static final Pattern STRAY_WORD =
            Pattern.compile("Was passed main parameter '(.*)' but no main parameter was defined.*");

    /** The command line; {@code --opt value} and {@code --opt=value} both work. */
    @Parameters(separators = "=")
    static final class Args {
        @Parameter(names = "--port", description = "TCP port to listen on")
        int port = Wire.DEFAULT_PORT;

        @Parameter(names = "--bind", description = "Address to listen on (default: all addresses)")
        String bind;

        @Parameter(names = "--client-limit",
                description = "Most clients at once, 0 = no limit; the next gets 'debug!busy' and is closed")
        int clientLimit;

        @Parameter(names = "--max-line",
                description = "Longest command line in bytes; longer lines are dropped and counted")
        int maxLine = Wire.DEFAULT_MAX_LINE;

        // Integer and Boolean below, not int and boolean: JCommander prints the default of a field that has one,
        // which here would be this machine's core count, or "Default: false" under a flag
        @Parameter(names = "--threads", description = "Event loop threads (default: the number of cores)")
        Integer threads;

        @Parameter(names = "--delivery-budget",
                description = "MiB that lines waiting for subscribers may take in all; past it announcers are not"
                        + " read until subscribers catch up. Keep it well under the heap (-Xmx, 64m by default)")
        int deliveryBudgetMib = (int) (BrokerOptions.DEFAULT_DELIVERY_BUDGET_BYTES >> 20);

        @Parameter(names = "--write-deadline",
                description = "Seconds a subscriber may stay behind (holding announcers back) before it is closed")
        double writeDeadlineSeconds = BrokerOptions.DEFAULT_WRITE_DEADLINE.toMillis() / 1000.0;

        @Parameter(names = "--metrics", description = "Serve Prometheus metrics on PORT (loopback), HOST:PORT or"
                + " [IPv6]:PORT at /metrics (default: off)")
        String metrics;

        @Parameter(names = "--tls-cert", description = "Serve TLS with this PEM certificate (chain); needs --tls-key")
        Path tlsCert;

        @Parameter(names = "--tls-key", description = "PKCS#8 PEM key of --tls-cert")
        Path tlsKey;

        @Parameter(names = "--tls-ca",
                description = "Require client certificates signed by a CA in this PEM file (needs --tls-cert)")
        Path tlsCa;

        @Parameter(names = "--help", help = true, description = "Show this help and exit")
        boolean help;

        @Parameter(names = "--version", description = "Show the version and exit")
        Boolean version;

        BrokerOptions toOptions() {
            BrokerOptions options = BrokerOptions.defaults()
                    .withBindAddress(bind)
                    .withPort(port)
                    .withClientLimit(clientLimit)
                    .withMaxLine(maxLine)
                    .withThreads(threads != null ? threads : Runtime.getRuntime().availableProcessors())
                    .withDeliveryBudgetBytes((long) deliveryBudgetMib << 20)
                    .withWriteDeadline(Duration.ofMillis(Math.round(writeDeadlineSeconds * 1000)));
            if ((tlsCert == null) != (tlsKey == null)) {
                throw new IllegalArgumentException("--tls-cert and --tls-key go together");
            }
            if (tlsCa != null && tlsCert == null) {
                throw new IllegalArgumentException("--tls-ca needs --tls-cert and --tls-key");
            }
            return tlsCert == null ? options : options.withTls(new BrokerTls(tlsCert, tlsKey, Optional.ofNullable(tlsCa)));
        }
    }

    /** A command line that cannot be run; the message says why. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private BrokerMain() {
    }

    public static void main(String[] argv) {
        if (!BlockingCallGuard.installIfRequested(NAME)) {
            System.exit(1);
        }
        int status = run(argv, System.out, System.err, options -> stopOnSignals(Broker.start(options)));
        if (status >= 0) {
            System.exit(status);
        }
    }

    /**
     * Parses, then starts the broker. Returns the exit status when the process should end now, or -1
     * when the broker runs (its event loop threads keep the JVM alive; a shutdown hook stops it).
     */
    static int run(String[] argv, PrintStream out, PrintStream err) {
        return run(argv, out, err, Broker::start);
    }

    /** As {@link #run(String[], PrintStream, PrintStream)}, starting the broker with {@code starter} (tests). */
    static int run(String[] argv, PrintStream out, PrintStream err, Function<BrokerOptions, Broker> starter) {
        Args args = new Args();
        JCommander commander = commander(args);
        BrokerOptions options;
        try {
            options = parse(commander, args, argv);
        } catch (UsageException e) {
            err.println(NAME + ": " + e.getMessage());
            err.println("Try '" + NAME + " --help' for more information.");
            return 2;
        }
        if (args.help) {
            out.print(usage(commander));
            return 0;
        }
        if (Boolean.TRUE.equals(args.version)) {
            out.println(NAME + " " + ProductVersion.current());
            return 0;
        }
        ListenAddress metricsAddress = null;
        if (args.metrics != null) {
            try {
                metricsAddress = ListenAddress.parse(args.metrics);
            } catch (IllegalArgumentException e) {
                err.println(NAME + ": --metrics: " + e.getMessage());
                err.println("Try '" + NAME + " --help' for more information.");
                return 2;
            }
        }
        Broker broker;
        try {
            broker = starter.apply(options);
        } catch (IllegalArgumentException | IllegalStateException e) {
            LOG.error("{}", e.getMessage());
            return 1;
        }
        if (metricsAddress != null) {
            try {
                broker.serveMetrics(metricsAddress.host(), metricsAddress.port());
            } catch (MetricsServer.BindFailure e) {
                LOG.error("cannot serve metrics on {} (--metrics): {}", metricsAddress, e.getMessage());
                broker.close();
                return 1;
            }
            LOG.info("serving metrics on http://{}{}", metricsAddress, MetricsServer.PATH);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(broker), NAME + "-shutdown"));
        out.println(NAME + " listening on " + Broker.describe(broker.localAddress()));
        out.flush();
        LOG.info("listening on {}{} ({} event loop thread(s), {}, client limit {}, max line {} bytes, delivery budget"
                        + " {} MiB, {} KiB behind per subscriber, write deadline {} ms)",
                Broker.describe(broker.localAddress()), tlsDescription(options), options.threads(),
                Transports.nativeEpoll() ? "epoll" : "nio",
                options.clientLimit() == 0 ? "none" : options.clientLimit(), options.maxLine(),
                options.deliveryBudgetBytes() >> 20, options.outboundLimitBytes() >> 10,
                options.writeDeadline().toMillis());
        return -1;
    }

    /**
     * SIGTERM and SIGINT stop the broker and exit 0 (a JVM ended by the default handler exits 143, which
     * systemd records as a failure). {@code sun.misc.Signal} is the JDK's only way to catch a signal; the
     * handler runs on the JVM's signal thread, so the stop gets a thread of its own.
     */
    private static Broker stopOnSignals(Broker broker) {
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> new Thread(() -> {
                stop(broker);
                System.exit(0);
            }, NAME + "-stop").start());
        }
        return broker;
    }

    /** Every wait in it is bounded, so the process ends even when a loop is stuck. */
    private static void stop(Broker broker) {
        if (!STOPPING.compareAndSet(false, true)) {
            // the signal's stop runs System.exit, which runs the shutdown hook: once is enough
            return;
        }
        LOG.info("stopping");
        if (!broker.closeWithin()) {
            LOG.warn("stopped without waiting any longer for the event loops");
        }
    }

    private static String tlsDescription(BrokerOptions options) {
        return options.tls().map(tls -> " with TLS" + tls.clientCaFile()
                .map(ca -> ", client certificates required (CA " + ca + ")").orElse("")).orElse("");
    }

    static BrokerOptions parse(String... argv) throws UsageException {
        Args args = new Args();
        return parse(commander(args), args, argv);
    }

    private static BrokerOptions parse(JCommander commander, Args args, String... argv) throws UsageException {
        try {
            commander.parse(argv);
            return args.toOptions();
        } catch (ParameterException e) {
            throw new UsageException(plain(e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** JCommander's words for a stray word, as an operator would put it. */
    private static String plain(String message) {
        Matcher stray = STRAY_WORD.matcher(message);
        if (!stray.matches()) {
            return message;
        }
        String word = stray.group(1);
        return (word.startsWith("-") ? "unknown option " : "unexpected argument ") + word;
    }

    private static JCommander commander(Args args) {
        return JCommander.newBuilder().programName(NAME).addObject(args).build();
    }

    static String usage(JCommander commander) {
        StringBuilder text = new StringBuilder();
        commander.getUsageFormatter().usage(text);
        return text.toString();
    }

}
