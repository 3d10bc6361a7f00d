package io.fail2bancluster.agent.assembly;

import io.fail2bancluster.agent.catchup.FleetCatchUp;
import io.fail2bancluster.agent.catchup.HeldStore;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.exec.ProcessActionRunner;
import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.agent.ledger.LedgerEntry;
import io.fail2bancluster.agent.ledger.LedgerQuery;
import io.fail2bancluster.agent.metrics.MetricsListener;
import io.fail2bancluster.agent.nft.NftCommand;
import io.fail2bancluster.agent.nft.NftEnforcer;
import io.fail2bancluster.agent.nft.NftScript;
import io.fail2bancluster.agent.outbox.FanoutDelivery;
import io.fail2bancluster.agent.outbox.Outbox;
import io.fail2bancluster.agent.outbox.OutboxStore;
import io.fail2bancluster.agent.outbox.PublishRecorder;
import io.fail2bancluster.agent.path.ActionRetries;
import io.fail2bancluster.agent.path.Deduplicator;
import io.fail2bancluster.agent.path.ExecReporter;
import io.fail2bancluster.agent.path.FleetCounter;
import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.util.ProductVersion;
import io.fail2bancluster.util.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Where an {@link Agent} is wired, in the order its parts start: the TLS contexts (checked before anything
 * runs), the event loop, the DNS resolver, the action runner, the outbox, the links of every server entry,
 * the metrics listener; then, on the loop, the outbox's destinations and the connects. Each started part is
 * recorded in {@link Started} with how it stops, so a start that fails at any step stops exactly what it
 * had started before it throws, and the agent's shutdown is the same path.
 *
 * <p>By default the agent owns its event loop and a {@link ProcessActionRunner}; a runner or a group given
 * here is the caller's, which the agent neither starts nor stops.
 */
public final class AgentBuilder {
    private static final Logger LOG = LogManager.getLogger(AgentBuilder.class);
    /** Where a part that blocks as it stops (a thread pool's wait) is stopped: never the loop. */
    private static final Executor OFF_LOOP = ForkJoinPool.commonPool();

    private final ClusterConfig config;
    private ActionRunner runner;
    /** A runner the agent stops as its own; null: a {@link ProcessActionRunner} started for it. */
    private ActionRunner ownRunner;
    private EventLoopGroup group;
    private OutboxStore outbox;
    private NftCommand nft = NftEnforcer.systemNft();
    /** Where the ledger is kept; null: the agent keeps none. */
    private Path ledgerDir;

    AgentBuilder(ClusterConfig config) {
        this.config = config;
    }

    /** Runs actions with {@code runner}, which the caller owns and shuts down. */
    public AgentBuilder runner(ActionRunner runner) {
        this.runner = runner;
        return this;
    }

    /** Runs actions with {@code runner} and stops it as its own, as it does the runner it starts by default. */
    AgentBuilder ownRunner(ActionRunner runner) {
        this.ownRunner = runner;
        return this;
    }

    /** Runs on one loop of {@code group}, which the caller owns (and may share with many agents, as the load harness does). */
    public AgentBuilder group(EventLoopGroup group) {
        this.group = group;
        return this;
    }

    /** Writes the nftables table of {@code enforce: nftables} channels with {@code nft} (tests: a fake). */
    public AgentBuilder nft(NftCommand nft) {
        this.nft = nft;
        return this;
    }

    /** Delivers the entries of {@code store}: what it kept from the last run, and every publish from now on. */
    public AgentBuilder outbox(OutboxStore store) {
        this.outbox = store;
        return this;
    }

    /**
     * Keeps the ledger of bans in force in {@code stateDir} (the caller holds its lock): a ban announced again
     * runs only when it did not run here yet, and this host's own publishes are recorded. When it cannot be
     * opened the agent still runs, without it, and says why.
     */
    public AgentBuilder ledgerIn(Path stateDir) {
        this.ledgerDir = stateDir;
        return this;
    }

    /**
     * Starts the agent: returns once the connects are queued (connections come up in the background).
     *
     * @throws IllegalStateException ({@code StartFailure}) naming the setting this host cannot honour (TLS
     *                               files, the metrics port); nothing of the agent is left running then
     */
    public Agent start() {
        Started started = new Started();
        try {
            return start(started);
        } catch (RuntimeException | Error e) {
            started.stopAll(Duration.ZERO).join();
            throw e;
        }
    }

    private Agent start(Started started) {
        // the TLS files of every server are read here, before anything runs
        LinkFactory.Plan plan = LinkFactory.plan(List.of(), config);
        Ledger ledger = openLedger(started);
        EventLoopGroup group = this.group;
        if (group == null) {
            group = Agent.newEventLoopGroup(1);
            EventLoopGroup owned = group;
            started.add("the event loop", Runnable::run, grace -> Links.toCompletable(
                    owned.shutdownGracefully(0, 2, TimeUnit.SECONDS)));
        }
        EventLoop loop = group.next();
        // Netty's DNS resolver: a name lookup never blocks the loop, and each connect resolves again.
        DnsAddressResolverGroup resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(Transports.datagramChannel(loop))
                .socketChannelType(Transports.socketChannel(loop)));
        started.add("the DNS resolver", loop, grace -> {
            resolver.close();
            return CompletableFuture.completedFuture(null);
        });
        // may be a blocking lookup: here, off the loop
        String hostname = ledger == null ? null : config.hostname();
        PublishRecorder own = ledger == null ? PublishRecorder.NONE : new OwnBans(ledger, hostname);
        Outbox box = outbox == null ? null : Outbox.withWriterThread(outbox, loop, own);
        FleetCatchUp catchUp = ledger == null ? null : openCatchUp(started, ledger, hostname);
        Deduplicator deduplicator = new Deduplicator(config.dedupeWindow());
        FleetCounter fleet = new FleetCounter();
        Links links = new Links(loop, deduplicator, fleet, box, ledger, catchUp);
        // results of the last actions were posted to the loop before the runner stopped: this runs after them
        started.add("the final status", loop, grace -> links.freeze());
        NftEnforcer enforcer = startNftables(started, ledger);
        links.nftables(enforcer);
        ActionRunner actions = runner;
        if (actions == null) {
            ActionRunner owned = ownRunner != null ? ownRunner
                    : ProcessActionRunner.start(config.execConcurrency(), config.execQueue(), config.execTimeout());
            actions = owned;
            started.add("the action runner", OFF_LOOP, owned::shutdown);
        }
        if (box != null) {
            // the connections are closed by then: nothing more is confirmed
            started.add("the outbox writer", OFF_LOOP, grace -> {
                box.close();
                return CompletableFuture.completedFuture(null);
            });
        }
        ActionRetries retries = new ActionRetries(actions, config.actionRetryMax());
        links.retries(retries);
        MessagePath.Shared shared = new MessagePath.Shared(loop, deduplicator, fleet, actions,
                new ExecReporter(loop.ticker()), config.limits(), config.signatureWindow(), Clock.systemUTC(), ledger,
                enforcer, retries);
        Bootstrap base = new Bootstrap()
                .group(loop)
                .channel(Transports.socketChannel(loop))
                .resolver(resolver)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true);
        LinkFactory factory = new LinkFactory(config, base, shared, box, catchUp);
        plan = factory.open(plan, config);
        links.opened(plan);
        started.add("the links", loop, grace -> links.stop());
        if (config.skipsOwnMessages()) {
            LOG.info("skip_own channels ignore messages with source={}", config.hostname());
        }
        // bound before anything connects: a port in use stops the start with nothing left running
        MetricsListener metrics = config.metrics().map(address -> MetricsListener.start(address, loop,
                Transports.serverSocketChannel(loop), links::snapshot, ProductVersion.current())).orElse(null);
        if (metrics != null) {
            started.add("the metrics listener", loop, grace -> metrics.stop());
            LOG.info("metrics on http://{}/metrics", metrics.address());
        }
        // read here, off the loop
        List<OutboxStore.Entry> stored = outbox == null ? List.of() : outbox.entries();
        // this host's own bans still to deliver: the ledger may have lost them to a kill -9 (it writes once a
        // second, the outbox at once), and this host must answer for them when the fleet asks
        stored.forEach(own::record);
        loop.execute(() -> links.start(stored));
        LOG.info("agent started: {} server(s), {} NATS server(s), dedupe window {} ms, {} transport",
                config.servers().size(), config.natsServers().size(), config.dedupeWindow().toMillis(),
                Transports.isEpoll(loop) ? "epoll" : "nio");
        return new Agent(config, loop, links, factory, box, ledger, started, enforcer);
    }

    /**
     * The table of the {@code enforce: nftables} channels, asserted before any message arrives; null without
     * such channels. Stopping it leaves the table and its elements in place. The ledger's bans in force on
     * those channels are written again, with their true end: a table flushed while the agent was down, or a
     * timeout that ran short, is made right before the first message.
     */
    private NftEnforcer startNftables(Started started, Ledger ledger) {
        NftScript table = NftEnforcer.script(config);
        if (table == null) {
            return null;
        }
        NftEnforcer enforcer = NftEnforcer.start(table, nft, Clock.systemUTC());
        NftEnforcer.recordTableName(config.stateDir(), table);
        if (ledger != null) {
            int reasserted = 0;
            // one channel name is one pair of sets, whichever servers carry it: an ignore_ip of any of them holds
            Map<String, List<AddressRange>> ignored = new LinkedHashMap<>();
            config.enforcedChannels().forEach(c -> ignored.computeIfAbsent(c.name(), n -> new ArrayList<>()).addAll(c.ignoreIp()));
            for (Map.Entry<String, List<AddressRange>> channel : ignored.entrySet()) {
                for (LedgerEntry ban : ledger.inForce(LedgerQuery.ALL.channel(channel.getKey()))) {
                    if (enforcer.reassert(channel.getKey(), channel.getValue(), ban.address(),
                            ban.end().orElse(Instant.MAX))) {
                        reasserted++;
                    }
                }
            }
            LOG.info("nftables: {} ban(s) in force from the ledger written again", reasserted);
        }
        started.add("the nftables writer", OFF_LOOP, grace -> {
            enforcer.close();
            return CompletableFuture.completedFuture(null);
        });
        return enforcer;
    }

    /** Fanout catch-up on the ledger, with until when each channel was held; null when that cannot be read. */
    private FleetCatchUp openCatchUp(Started started, Ledger ledger, String hostname) {
        HeldStore held;
        try {
            held = HeldStore.open(ledgerDir);
        } catch (IOException | RuntimeException e) {
            LOG.warn("fanout catch-up is off: cannot read {} (state_dir): {}", ledgerDir, e.getMessage());
            return null;
        }
        held.start();
        // stopped after the links, which record until when they held their channels as they close
        started.add("the catch-up store", OFF_LOOP, grace -> {
            held.close();
            return CompletableFuture.completedFuture(null);
        });
        return new FleetCatchUp(ledger, hostname, Clock.systemUTC(), held, FanoutDelivery.nonceSource());
    }

    /** The ledger, open and started, closed last of all (after the last action's result); null without one. */
    private Ledger openLedger(Started started) {
        if (ledgerDir == null) {
            return null;
        }
        Ledger ledger;
        try {
            ledger = Ledger.open(ledgerDir, config.ledgerMax(), Clock.systemUTC());
        } catch (IOException | RuntimeException e) {
            LOG.warn("no ledger: cannot open it in {} (state_dir): {}; bans run as they come, and fanout catch-up "
                    + "is off", ledgerDir, e.getMessage());
            return null;
        }
        ledger.start();
        started.add("the ledger", OFF_LOOP, grace -> {
            try {
                ledger.close();
            } catch (IOException e) {
                LOG.warn("the ledger's last write failed: {} (what changed in its last second is lost)", e.getMessage());
            }
            return CompletableFuture.completedFuture(null);
        });
        LOG.info("ledger: {} entries in {} (ledger_max {})", ledger.size(), ledgerDir, config.ledgerMax());
        return ledger;
    }
}
