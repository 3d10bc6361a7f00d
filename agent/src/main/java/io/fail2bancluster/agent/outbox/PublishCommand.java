package io.fail2bancluster.agent.outbox;

import io.fail2bancluster.protocol.Wire;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The control socket's {@code publish CHANNEL MESSAGE}: checks the request, writes it to the outbox (synced)
 * on the control socket's thread and answers {@code ok} with the entry's {@code sequence} only once it is on
 * disk; then hands the entry on for delivery. A full outbox, a bad channel or message, or a channel no
 * configured server carries is an {@code error} reply, and nothing is kept.
 */
public final class PublishCommand implements Function<String, PublishCommand.Reply> {
    /**
     * What a request came to: the entry's sequence once it is on disk, or why nothing was kept. The control
     * socket turns it into its reply; this package knows nothing of the socket.
     */
    public record Reply(OptionalLong sequence, Optional<String> error) {
        static Reply accepted(long sequence) {
            return new Reply(OptionalLong.of(sequence), Optional.empty());
        }

        static Reply refused(String why) {
            return new Reply(OptionalLong.empty(), Optional.of(why));
        }

        public boolean isOk() {
            return sequence.isPresent();
        }
    }

    private final OutboxStore store;
    private final Predicate<String> carried;
    private final Consumer<OutboxStore.Entry> deliver;
    private final Clock clock;
    private final PublishRecorder recorder;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refusedFull = new AtomicLong();

    /**
     * @param carried whether some configured server carries a channel
     * @param deliver takes each entry once it is on disk (it must not block: it hands over to the loop)
     */
    public PublishCommand(OutboxStore store, Predicate<String> carried, Consumer<OutboxStore.Entry> deliver, Clock clock) {
        this(store, carried, deliver, clock, PublishRecorder.NONE);
    }

    /** @param recorder learns of each entry on disk, and may refuse a publish first */
    public PublishCommand(OutboxStore store, Predicate<String> carried, Consumer<OutboxStore.Entry> deliver, Clock clock,
                          PublishRecorder recorder) {
        this.recorder = recorder;
        this.store = store;
        this.carried = carried;
        this.deliver = deliver;
        this.clock = clock;
    }

    @Override
    public Reply apply(String argument) {
        int space = argument.indexOf(' ');
        if (space < 0) {
            return Reply.refused("usage: publish CHANNEL MESSAGE");
        }
        String channel = argument.substring(0, space);
        String message = argument.substring(space + 1).strip();
        try {
            Wire.requireChannel(channel);
            Wire.requireMessage(message);
        } catch (IllegalArgumentException e) {
            return Reply.refused(e.getMessage());
        }
        if (!carried.test(channel)) {
            return Reply.refused("no configured fanout server carries channel " + Wire.quote(channel)
                    + "; nothing kept");
        }
        Optional<String> refusal = recorder.refusal();
        if (refusal.isPresent()) {
            return Reply.refused(refusal.get() + "; nothing kept");
        }
        OutboxStore.Entry entry;
        try {
            entry = store.append(channel, message, clock.instant());
        } catch (OutboxStore.FullException full) {
            refusedFull.incrementAndGet();
            return Reply.refused(full.getMessage() + "; nothing kept");
        } catch (IOException e) {
            return Reply.refused("cannot write the outbox: " + e.getMessage() + "; nothing kept");
        }
        accepted.incrementAndGet();
        recorder.record(entry);
        deliver.accept(entry);
        return Reply.accepted(entry.sequence());
    }

    /** Publishes written to the outbox since start. */
    public long accepted() {
        return accepted.get();
    }

    /** Requests refused because the outbox was full, since start. */
    public long refusedFull() {
        return refusedFull.get();
    }
}
