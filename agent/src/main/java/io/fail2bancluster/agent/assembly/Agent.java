package io.fail2bancluster.agent.assembly;

import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.agent.link.Link;
import io.fail2bancluster.agent.link.LinkEntry;
import io.fail2bancluster.agent.nft.NftEnforcer;
import io.fail2bancluster.agent.nft.NftScript;
import io.fail2bancluster.agent.outbox.Outbox;
import io.fail2bancluster.agent.outbox.PublishCommand;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.util.Transports;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A running agent: one event loop holding a {@link Link} per configured server entry, fanout or NATS.
 * Everything shared between the links (dedupe, counters, the exec reporter) lives on that one loop thread,
 * so it needs no locks; actions run off the loop in the {@link ActionRunner}. Given an outbox, it also
 * delivers this host's own publishes ({@link Outbox}) over those links. Made by {@link #builder}, which
 * starts its parts in order; {@link #shutdown} stops them in reverse.
 */
public final class Agent implements AutoCloseable {
    /** How a fatal error on a loop or a connection names the process that ends (see {@code FatalErrors}). */
    public static final String PROCESS_NAME = "fail2ban-clusterd";
    private static final Logger LOG = LogManager.getLogger(Agent.class);

    private final EventLoop loop;
    private final Links links;
    private final LinkFactory factory;
    /** Null when the agent keeps no outbox. */
    private final Outbox outbox;
    /** Null when the agent keeps no ledger. */
    private final Ledger ledger;
    private final Started started;
    /** The server entries as the last {@link #reload} (or the start) asked for them, in the links' order; guarded by this. */
    private List<LinkEntry> entries;
    private CompletableFuture<Void> shutdown;

    /** Null when no channel enforces into nftables. */
    private final NftEnforcer enforcer;

    Agent(ClusterConfig config, EventLoop loop, Links links, LinkFactory factory, Outbox outbox, Ledger ledger,
          Started started, NftEnforcer enforcer) {
        this.ledger = ledger;
        this.enforcer = enforcer;
        this.loop = loop;
        this.links = links;
        this.factory = factory;
        this.outbox = outbox;
        this.started = started;
        this.entries = LinkFactory.entries(config);
    }

    /** Wires an agent for {@code config}: {@code Agent.builder(config).start()}, or with a runner, group or outbox first. */
    public static AgentBuilder builder(ClusterConfig config) {
        return new AgentBuilder(config);
    }

    /** An event loop group of the best transport here (epoll, else NIO), e.g. for {@link AgentBuilder#group}. */
    public static EventLoopGroup newEventLoopGroup(int threads) {
        return Transports.newGroup(threads, PROCESS_NAME, "fail2ban-agent");
    }

    /** The control socket's {@code publish}; empty when the agent keeps no outbox. */
    public Optional<PublishCommand> publishCommand() {
        return Optional.ofNullable(outbox).map(Outbox::publishCommand);
    }

    /**
     * The bans in force this host knows of (for {@code bans} and the like); empty when the agent keeps no
     * ledger. Its queries are safe from any thread; it is closed when the agent stops.
     */
    public Optional<Ledger> ledger() {
        return Optional.ofNullable(ledger);
    }

    /**
     * Applies {@code next}'s server entries and channels without a restart (see
     * {@link io.fail2bancluster.agent.link.Reconcile}): kept links keep their connection and counters and get
     * the new channels, filters, actions and keys; added ones are connected (a NATS entry resuming after its
     * stored stream position); removed ones stopped. Every other setting keeps its start-up value. Call it off
     * the event loop: the new routes and TLS contexts are built here, the links are changed on the loop.
     *
     * @return what changed, one line each; completes once the loop has applied it
     * @throws IllegalStateException when an added server's TLS files cannot be used; nothing changed then
     */
    public synchronized CompletableFuture<List<String>> reload(ClusterConfig next) {
        if (loop.inEventLoop()) {
            throw new IllegalStateException("reload must not run on the event loop");
        }
        if (shutdown != null) {
            throw new IllegalStateException("the agent is stopping");
        }
        NftScript table = NftEnforcer.script(next);
        if (enforcer == null && table != null) {
            throw new IllegalStateException("enforce: nftables on a channel needs a restart when the agent started "
                    + "without one (the table and its capability are set up at start)");
        }
        LinkFactory.Plan plan = factory.open(LinkFactory.plan(entries, next), next);
        if (enforcer != null) {
            enforcer.reload(table); // asserted by its writer before its next batch
        }
        CompletableFuture<List<String>> applied = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                links.reload(plan);
                applied.complete(plan.change().describe());
            });
        } catch (RejectedExecutionException stopped) {
            throw new IllegalStateException("the agent is stopping", stopped);
        }
        entries = LinkFactory.entries(next);
        return applied;
    }

    /**
     * The one way into the kernel's sets of {@code enforce: nftables} channels, for anything besides the message
     * path that decides a ban (its {@link NftEnforcer#ban} never blocks); empty when no channel enforces.
     */
    public Optional<NftEnforcer> nftables() {
        return Optional.ofNullable(enforcer);
    }

    /** A consistent snapshot, taken on the event loop. Safe to call from any thread, the loop included. */
    public AgentStatus status() {
        if (loop.inEventLoop()) {
            return links.snapshot();
        }
        try {
            return statusAsync().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while taking the status", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot take the status", e.getCause());
        }
    }

    /** The snapshot without waiting for it: completes on the event loop (or at once, once the agent stopped). */
    public CompletableFuture<AgentStatus> statusAsync() {
        AgentStatus last = links.finalStatus();
        if (last != null) {
            return CompletableFuture.completedFuture(last);
        }
        try {
            return CompletableFuture.supplyAsync(links::snapshot, loop);
        } catch (RejectedExecutionException stopped) {
            return CompletableFuture.completedFuture(links.finalStatus());
        }
    }

    /**
     * Stops reading from every server, lets running actions finish for at most {@code grace}, then kills
     * what is left, and stops everything the start started, in reverse order. Completes when everything is
     * stopped. Calling it again returns the same future.
     */
    public synchronized CompletableFuture<Void> shutdown(Duration grace) {
        if (shutdown == null) {
            shutdown = started.stopAll(grace).whenComplete((x, error) -> LOG.info("agent stopped"));
        }
        return shutdown;
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(10)).join();
    }
}
