package io.fail2bancluster.agent.assembly;

import io.fail2bancluster.agent.catchup.FleetCatchUp;
import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.agent.ledger.LedgerEntry;
import io.fail2bancluster.agent.ledger.LedgerStatus;
import io.fail2bancluster.agent.link.Link;
import io.fail2bancluster.agent.link.Reconcile;
import io.fail2bancluster.agent.nft.NftEnforcer;
import io.fail2bancluster.agent.outbox.Outbox;
import io.fail2bancluster.agent.outbox.OutboxDestination;
import io.fail2bancluster.agent.outbox.OutboxStore;
import io.fail2bancluster.agent.path.ActionRetries;
import io.fail2bancluster.agent.path.Deduplicator;
import io.fail2bancluster.agent.path.FleetCounter;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.LedgerSummary;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The agent's one list of links, in config order, whatever their transport, with what it shares between
 * them: the outbox they deliver (its destinations are their deliveries), the dedupe across them and the
 * fleet's count of attempts. Lives on
 * the event loop: every method runs there.
 */
final class Links {
    private static final Logger LOG = LogManager.getLogger(Links.class);
    private final EventLoop loop;
    private final Deduplicator deduplicator;
    private final FleetCounter fleet;
    /** Null when the agent keeps no outbox. */
    private final Outbox outbox;
    /** Null when the agent keeps no ledger. */
    private final Ledger ledger;
    private final Instant startedAt = Instant.now();
    private List<Link> links = List.of();
    /** Opened by the start, not yet applied: stopped with the rest if the start goes no further. */
    private LinkFactory.Plan starting;
    private boolean stopping;
    /** The agent's failing actions; none until the runner is known. */
    private ActionRetries retries;
    /** Taken once the runner stopped; any thread reads it. */
    private volatile AgentStatus finalStatus;

    /** Null when no channel enforces into nftables. */
    private NftEnforcer enforcer;
    /** Null without fanout catch-up. */
    private final FleetCatchUp catchUp;

    /** The table shown with the links' status; set once at start, before the first snapshot. */
    void nftables(NftEnforcer enforcer) {
        this.enforcer = enforcer;
    }

    Links(EventLoop loop, Deduplicator deduplicator, FleetCounter fleet, Outbox outbox, Ledger ledger,
          FleetCatchUp catchUp) {
        this.ledger = ledger;
        this.catchUp = catchUp;
        this.loop = loop;
        this.deduplicator = deduplicator;
        this.fleet = fleet;
        this.outbox = outbox;
    }

    /** The failing actions status shows; before {@link #start}. */
    void retries(ActionRetries failing) {
        this.retries = failing;
    }

    /** The start's links, opened on the starting thread; {@link #start} connects them. Before the loop runs any of them. */
    void opened(LinkFactory.Plan plan) {
        starting = plan;
    }

    /** The start: the outbox learns its destinations and what the store kept, then every link connects. */
    void start(List<OutboxStore.Entry> stored) {
        LinkFactory.Plan plan = starting;
        starting = null;
        apply(plan);
        if (outbox != null) {
            outbox.start(deliveries(), stored);
        }
        links.forEach(Link::connect);
        resumePending();
    }

    /** What the ledger holds as not yet succeeded (the agent stopped, or was killed, while it failed) runs again. */
    private void resumePending() {
        if (ledger == null) {
            return;
        }
        List<LedgerEntry> pending = new ArrayList<>(ledger.awaitingAction());
        for (Link link : links) {
            link.path().resume(pending);
        }
        if (!pending.isEmpty()) {
            LOG.warn("{} ban(s) or unban(s) of the ledger did not succeed before the agent stopped, and no channel with "
                    + "an action carries them now: not run (the first: {})", pending.size(), pending.get(0));
        }
    }

    /** A reload: kept links take their new routes, added ones connect, removed ones stop. */
    void reload(LinkFactory.Plan plan) {
        if (stopping) {
            plan.opened().forEach(link -> {
                if (link != null) {
                    link.stop();
                }
            });
            return;
        }
        apply(plan);
        plan.opened().forEach(link -> {
            if (link != null) {
                link.connect();
            }
        });
        if (outbox != null) {
            outbox.destinations(deliveries());
        }
    }

    private void apply(LinkFactory.Plan plan) {
        // before the first message on the new routes: a channel a second server now carries is deduplicated
        deduplicator.redundantChannels(plan.redundant());
        Reconcile change = plan.change();
        List<Link> next = new ArrayList<>();
        for (int i = 0; i < change.from().size(); i++) {
            int from = change.from().get(i);
            if (from == Reconcile.ADDED) {
                next.add(plan.opened().get(i));
            } else {
                Link kept = links.get(from);
                kept.routes(plan.routes().get(i));
                next.add(kept);
            }
        }
        for (int index : change.removed()) {
            links.get(index).stop();
        }
        links = next;
    }

    private List<OutboxDestination> deliveries() {
        return links.stream().map(Link::delivery).toList();
    }

    /** Stops every link (those a start opened and never connected too); completes once all are closed. */
    CompletableFuture<Void> stop() {
        stopping = true;
        List<Link> all = new ArrayList<>(links);
        if (starting != null) {
            starting.opened().stream().filter(link -> link != null).forEach(all::add);
        }
        List<CompletableFuture<Object>> closes = new ArrayList<>();
        for (Link link : all) {
            closes.add(toCompletable(link.stop()));
        }
        return CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new));
    }

    /** The last status, kept for {@code status} once the loop is gone: after the last action was reported. */
    CompletableFuture<Void> freeze() {
        finalStatus = snapshot();
        return CompletableFuture.completedFuture(null);
    }

    /** Null until {@link #freeze}; any thread. */
    AgentStatus finalStatus() {
        return finalStatus;
    }

    AgentStatus snapshot() {
        long nowNanos = loop.ticker().nanoTime();
        Instant now = Instant.now();
        List<AgentStatus.ServerStatus> all = new ArrayList<>();
        links.forEach(link -> all.add(link.snapshot(nowNanos, now)));
        return new AgentStatus(startedAt, all, Optional.ofNullable(outbox).map(Outbox::status), ledgerSummary(),
                Optional.ofNullable(fleet.status()), Optional.ofNullable(enforcer).map(NftEnforcer::status),
                retries == null ? AgentStatus.Retries.NONE : retries.status());
    }

    private Optional<LedgerSummary> ledgerSummary() {
        if (ledger == null) {
            return Optional.empty();
        }
        LedgerStatus s = ledger.status();
        return Optional.of(new LedgerSummary(s.entries(), s.max(), s.inForce(), s.awaitingAction(), s.refused(),
                s.writeFailure(), catchUp == null ? 0 : catchUp.requestsSent(),
                catchUp == null ? 0 : catchUp.requestsAnswered(), catchUp == null ? 0 : catchUp.reannounced(),
                catchUp == null ? 0 : catchUp.recovered()));
    }

    static <T> CompletableFuture<Object> toCompletable(Future<T> future) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        future.addListener(f -> {
            if (f.isSuccess()) {
                done.complete(f.getNow());
            } else {
                done.completeExceptionally(f.cause());
            }
        });
        return done;
    }
}
