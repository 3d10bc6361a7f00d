package io.fail2bancluster.broker;

import io.fail2bancluster.protocol.ChannelName;
import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.ServerLineEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Consecutive announces to one channel from one read batch, as {@code <channel>!<message>\n} lines in one
 * buffer that every subscriber gets a retained duplicate of: a subscriber's queue holds one entry per batch,
 * not one per line, and the kernel gets them in one write.
 *
 * <p>What it costs is accounted in the {@link DeliveryBudget} as the broker pays for it: the buffer's
 * capacity once, plus {@link #PER_SUBSCRIBER_BYTES} for each subscriber's queue entry. Each subscriber's
 * write completes (sent, or failed because it closed) through this listener; the last one gives the buffer's
 * share back.
 */
final class DeliveryBatch implements ChannelFutureListener {
    /**
     * What one subscriber's share of a batch costs on the heap beyond the bytes: Netty's outbound entry
     * (it counts 96 bytes for one), the duplicate buffer, the write promise and its listener slot.
     */
    static final int PER_SUBSCRIBER_BYTES = 256;
    /** A batch is sent once it holds this much; one read of the announcer (at most 64 KiB) fits in a few. */
    static final int MAX_BYTES = 64 * 1024;
    private static final int FIRST_CAPACITY = 512;

    private final ChannelName channel;
    private final ByteBuf lines;
    private final DeliveryBudget budget;
    private final AtomicInteger outstanding = new AtomicInteger();
    private int lineCount;
    private long bufferBytes;

    DeliveryBatch(ByteBufAllocator alloc, ChannelName channel, DeliveryBudget budget) {
        this.channel = channel;
        this.budget = budget;
        // grows by doubling up to MAX_BYTES; only a single line longer than that (max-line allows it) takes more
        this.lines = alloc.directBuffer(FIRST_CAPACITY);
    }

    ChannelName channel() {
        return channel;
    }

    int lineCount() {
        return lineCount;
    }

    /** Whether {@code announce}'s line still fits (an empty batch takes any line up to the longest). */
    boolean fits(Command.Announce announce) {
        return lineCount == 0
                || lines.readableBytes() + ServerLineEncoder.channelMessageLength(announce) <= MAX_BYTES;
    }

    /** Appends the channel message for {@code announce}, an announce to this batch's channel. */
    void add(Command.Announce announce) {
        ServerLineEncoder.writeChannelMessage(lines, announce);
        lineCount++;
    }

    /**
     * Done adding: reserves the buffer's share of the budget. Then {@link #shareFor} once per subscriber,
     * then {@link #release}.
     */
    void seal() {
        bufferBytes = lines.capacity();
        outstanding.set(1); // held by the sender until release(), so the buffer's share cannot go back early
        budget.reserve(bufferBytes);
    }

    /** One subscriber's duplicate; its write must complete through this listener. */
    ByteBuf shareFor() {
        outstanding.incrementAndGet();
        budget.reserve(PER_SUBSCRIBER_BYTES);
        return lines.retainedDuplicate();
    }

    /** A subscriber's write completed, sent or not. */
    @Override
    public void operationComplete(ChannelFuture future) {
        budget.release(PER_SUBSCRIBER_BYTES);
        done();
    }

    /** The sender's reference: after every share was handed out, or to drop an unsent batch. */
    void release() {
        lines.release();
        if (bufferBytes > 0) {
            done();
        }
    }

    private void done() {
        if (outstanding.decrementAndGet() == 0) {
            budget.release(bufferBytes);
        }
    }
}
