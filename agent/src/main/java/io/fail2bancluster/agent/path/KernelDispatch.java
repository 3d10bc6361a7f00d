package io.fail2bancluster.agent.path;

import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.nft.NftEnforcer;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.protocol.Wire;
import io.netty.channel.EventLoop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The dispatcher's step for an {@code enforce: nftables} route: the message that passed signature, filter,
 * {@code ignore_ip} and dedupe becomes one element for the {@link NftEnforcer}, never a command line. Its
 * {@code action} must be {@code banip} or {@code unbanip}; its {@code ip} an address or CIDR block that covers
 * no loopback address and no {@code ignore_ip} range (a range merely containing an ignored address would ban it
 * too). A ban lasts its {@code bantime} (else the channel's) from when it entered the bus. The outcome comes
 * back to the loop and lands in the server's counters like an action's: executed, failed, dropped, rejected.
 */
final class KernelDispatch {
    private static final Logger LOG = LogManager.getLogger(KernelDispatch.class);

    private final ServerState state;
    private final EventLoop loop;
    private final NftEnforcer enforcer;
    private final Clock clock;
    private final Rejections rejections;
    private final Rejections drops;

    KernelDispatch(ServerState state, EventLoop loop, NftEnforcer enforcer, Clock clock) {
        this.state = state;
        this.loop = loop;
        this.enforcer = enforcer;
        this.clock = clock;
        this.rejections = new Rejections(state, Counter.REJECTED);
        this.drops = new Rejections(state, Counter.DROPPED);
    }

    void dispatch(Route route, Message message, Instant entered, long nowNanos, Runnable settled) {
        dispatch(route, message, entered, nowNanos, settled, null);
    }

    /**
     * @param outcome told on the loop, before {@code settled}, once nft answered (the ledger's applied/unbanned):
     *                an exit status of 0 when the kernel has it; may be null
     */
    void dispatch(Route route, Message message, Instant entered, long nowNanos, Runnable settled,
                  Consumer<ActionResult> outcome) {
        String action = message.get("action");
        boolean ban = "banip".equals(action);
        if (!ban && !"unbanip".equals(action)) {
            refuse(route, message, "enforce: nftables applies action=banip and action=unbanip only", nowNanos);
            settled.run();
            return;
        }
        AddressRange element;
        Instant until = null;
        try {
            element = AddressRange.parse(String.valueOf(message.get(Route.IP))).normalised();
            String covered = NftEnforcer.neverBanned(element, route.ignoreIp());
            if (covered != null) {
                refuse(route, message, element + " covers " + covered + ", which is never banned", nowNanos);
                settled.run();
                return;
            }
            if (ban) {
                until = until(message, route.enforced().bantime(), entered == null ? clock.instant() : entered);
            }
        } catch (IllegalArgumentException e) {
            refuse(route, message, e.getMessage(), nowNanos);
            settled.run();
            return;
        }
        if (ban && !until.isAfter(clock.instant())) {
            state.increment(Counter.FILTERED_OUT);
            LOG.debug("{} {}: {} ended before it arrived", state.address(), route.channel(), Wire.quote(message.raw()));
            settled.run();
            return;
        }
        String origin = state.address() + " " + route.channel() + " " + Wire.quote(message.raw());
        long started = System.nanoTime();
        Consumer<String> done = refused -> report(refused, Duration.ofNanos(System.nanoTime() - started), outcome, settled);
        boolean queued = ban ? enforcer.ban(route.channel(), element, until, origin, done)
                : enforcer.unban(route.channel(), element, origin, done);
        if (!queued) {
            long count = drops.record(nowNanos);
            if (count > 0) {
                LOG.warn("{} {}: the nftables queue is full; dropped {} ({} dropped since the last warning)",
                        state.address(), route.channel(), Wire.quote(message.raw()), count);
            }
            settled.run();
        }
    }

    private void report(String refused, Duration took, Consumer<ActionResult> outcome, Runnable settled) {
        try {
            loop.execute(() -> {
                state.increment(refused == null ? Counter.EXECUTED : Counter.FAILED);
                if (outcome != null) {
                    outcome.accept(refused == null ? new ActionResult.Exited(0, took, "")
                            : new ActionResult.NotStarted("nft refused it: " + refused));
                }
                settled.run();
            });
        } catch (RejectedExecutionException loopGone) {
            LOG.debug("an nftables outcome after shutdown: {}", refused == null ? "applied" : refused);
        }
    }

    /** When the ban ends: its own {@code bantime} or the channel's, from {@code start}; {@link Instant#MAX} if permanent. */
    static Instant until(Message message, long channelBantime, Instant start) {
        String announcedEnd = message.get("until");
        if (announcedEnd != null) {
            // a ban announced again (a catch-up answer) names its end on its origin's clock: that one holds
            try {
                return Instant.ofEpochSecond(Long.parseLong(announcedEnd.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("until '" + announcedEnd + "' is not epoch seconds");
            }
        }
        String text = message.get("bantime");
        long seconds = channelBantime;
        if (text != null) {
            try {
                seconds = Long.parseLong(text.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bantime '" + text + "' is not a whole number of seconds");
            }
            if (seconds < 1 && seconds != ChannelConfig.PERMANENT) {
                throw new IllegalArgumentException("bantime " + seconds + " is neither -1 (permanent) nor positive");
            }
        }
        return seconds == ChannelConfig.PERMANENT ? Instant.MAX : start.plusSeconds(seconds);
    }

    private void refuse(Route route, Message message, String why, long nowNanos) {
        long count = rejections.record(nowNanos);
        if (count > 0) {
            LOG.warn("{} {}: not enforcing {}: {} ({} such message(s) since the last warning)", state.address(),
                    route.channel(), Wire.quote(message.raw()), why, count);
        }
    }
}
