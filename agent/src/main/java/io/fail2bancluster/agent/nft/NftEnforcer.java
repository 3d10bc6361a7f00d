package io.fail2bancluster.agent.nft;

import io.fail2bancluster.agent.status.NftStatus;
import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.util.Backoff;
import io.fail2bancluster.util.BlockingThreads;
import io.fail2bancluster.util.QueueBound;
import io.fail2bancluster.util.StartFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@code enforce: nftables}: bans straight into the sets of the one table the agent owns. The single entry
 * point for everything that bans into the kernel (the message path's dispatcher, and whatever else decides a
 * ban), so every ban takes the same queue, the same batching and the same accounting.
 *
 * <p>{@link #start} asserts the table (blocking, before the agent takes messages) and fails naming what the
 * host lacks (the {@code nft} program, {@code CAP_NET_ADMIN}); {@link #close} stops the writer and leaves the
 * table and its elements in place, so a restart or an upgrade never opens the gates.
 *
 * <p>Its queue is a {@link QueueBound}: a transport stops reading while it is {@link #full() full} (as it does
 * for the exec queue), so a burst larger than the queue waits in the server or the stream, and nothing is dropped.
 */
public final class NftEnforcer implements QueueBound, AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(NftEnforcer.class);
    /** In state_dir: the table the agent owns, for the package's purge. */
    public static final String TABLE_FILE = "nftables-table";
    private static final List<AddressRange> LOOPBACK = List.of(AddressRange.parse("127.0.0.0/8"),
            AddressRange.parse("::1"), AddressRange.parse("::"));
    private static final Pattern SET = Pattern.compile("^\\s*set (\\S+) \\{", Pattern.MULTILINE);

    private final NftWriter writer;
    private final Thread thread;

    private NftEnforcer(NftWriter writer) {
        this.writer = writer;
        this.thread = BlockingThreads.named("fail2ban-nft").newThread(writer);
    }

    /** The table {@code config} asks for, or null when no channel has {@code enforce: nftables}. */
    public static NftScript script(ClusterConfig config) {
        List<ChannelConfig> enforced = config.enforcedChannels();
        return enforced.isEmpty() ? null
                : new NftScript(config.nftables(), enforced.stream().map(ChannelConfig::name).toList());
    }

    /** Asserts {@code script}'s table and starts the writer; blocks. @throws StartFailure naming what is missing */
    public static NftEnforcer start(NftScript script, NftCommand nft, Clock clock) {
        String refused = nft.run(script.assertion(staleSets(nft.list(script.table()), script)));
        if (refused != null) {
            throw new StartFailure(startProblem(script, refused), null);
        }
        NftEnforcer enforcer = new NftEnforcer(new NftWriter(nft, clock, script,
                NftListing.shapeOf(nft.list(script.table()))));
        enforcer.thread.start();
        LOG.info("nftables: table {} asserted with sets {}", script.table(), script.sets());
        return enforcer;
    }

    /**
     * The production nft: the program on PATH, each call bounded by a minute; small batches of elements through
     * a long-lived {@code nft -i}, the rest (and any batch it is in doubt about) one {@code nft -f -} each.
     */
    public static NftCommand systemNft() {
        Duration timeout = Duration.ofSeconds(60);
        return new NftSession(List.of("nft", "-i"), new NftProcess("nft", timeout), timeout,
                new Backoff(Duration.ofMillis(100), Duration.ofMinutes(5)));
    }

    static String startProblem(NftScript script, String refused) {
        String head = "enforce: nftables cannot set up table " + script.table() + ": ";
        if (refused.startsWith("cannot run nft")) {
            return head + "the nft program is not installed or not on PATH (Debian/Ubuntu package nftables)";
        }
        if (refused.contains("Operation not permitted") || refused.contains("EPERM")) {
            return head + "nft was refused: the agent needs the CAP_NET_ADMIN capability (run as root, or "
                    + "AmbientCapabilities=CAP_NET_ADMIN in its systemd unit)";
        }
        return head + NftWriter.firstLine(refused);
    }

    /** Whether {@link NftWriter#QUEUE} operations wait: a transport stops reading. Any thread; never blocks. */
    @Override
    public boolean full() {
        return writer.full();
    }

    /** {@code drained} once the queue is down to half (or the writer stopped); any thread; never blocks. */
    @Override
    public void whenDrained(Runnable drained) {
        writer.whenDrained(drained);
    }

    /**
     * Bans {@code element} in {@code channel}'s set until {@code until} ({@link Instant#MAX}: permanent). From
     * any thread; never blocks. {@code done} is told the outcome on the writer's thread: null when the kernel
     * has it, else why not.
     *
     * @return false when the queue is past its hard bound (twice {@link #full()}'s, for a caller that did not ask
     *         {@link #full()} first): nothing was queued and {@code done} is not called
     */
    public boolean ban(String channel, AddressRange element, Instant until, String origin, Consumer<String> done) {
        return writer.offer(new NftOp(NftScript.setOf(channel, element), element, until, origin, done));
    }

    /** Removes {@code element} from {@code channel}'s set; as {@link #ban}. */
    public boolean unban(String channel, AddressRange element, String origin, Consumer<String> done) {
        return writer.offer(new NftOp(NftScript.setOf(channel, element), element, null, origin, done));
    }

    /**
     * A ban known to be in force (the ledger's, at start): written back with its true end, so a table flushed
     * while the agent was down, or a timeout that ran short, is made right. One that no rule may ban (loopback,
     * {@code ignoreIp}) is skipped.
     *
     * @return whether it was queued
     */
    public boolean reassert(String channel, List<AddressRange> ignoreIp, AddressRange element, Instant until) {
        return neverBanned(element, ignoreIp) == null
                && ban(channel, element, until, "the ledger's bans in force at start", outcome -> { });
    }

    /**
     * The loopback or {@code ignoreIp} range {@code element} overlaps (a block merely containing an ignored
     * address would ban it too), described; null when it may be banned.
     */
    public static String neverBanned(AddressRange element, List<AddressRange> ignoreIp) {
        for (AddressRange never : LOOPBACK) {
            if (never.contains(element) || element.contains(never)) {
                return "loopback " + never;
            }
        }
        for (AddressRange ignored : ignoreIp) {
            if (ignored.contains(element) || element.contains(ignored)) {
                return "ignore_ip " + ignored;
            }
        }
        return null;
    }

    /** A reload's table (null: no channel enforces any more; the table is left as it is). */
    public void reload(NftScript next) {
        if (next != null) {
            writer.table(next);
        }
    }

    public NftStatus status() {
        return writer.status();
    }

    /** Stops the writer; the table stays. */
    @Override
    public void close() {
        writer.stop();
        try {
            thread.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Names the table in {@code stateDir/nftables-table}, where the package's purge finds it: the one table it
     * deletes. A failure to write it is logged, never fatal: enforcement matters more than a tidy purge.
     */
    public static void recordTableName(Path stateDir, NftScript script) {
        try {
            Files.createDirectories(stateDir);
            Files.writeString(stateDir.resolve(TABLE_FILE), script.table() + "\n");
        } catch (IOException e) {
            LOG.warn("cannot record the nftables table name in {}: {}", stateDir, e.toString());
        }
    }

    /** Sets in the listed table that {@code script} does not want: a removed channel's. */
    static List<String> staleSets(String listed, NftScript script) {
        List<String> stale = new ArrayList<>();
        if (listed == null) {
            return stale;
        }
        Matcher m = SET.matcher(listed);
        while (m.find()) {
            if (!script.sets().contains(m.group(1))) {
                stale.add(m.group(1));
            }
        }
        return stale;
    }
}
