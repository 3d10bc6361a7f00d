package io.fail2bancluster.bench;

import io.fail2bancluster.nats.BanSubjects;
import io.nats.client.Connection;
import io.nats.client.MessageConsumer;
import io.nats.client.Nats;
import io.nats.client.api.OrderedConsumerConfiguration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline of {@link CatchUpBench}: what NATS itself takes to hand a fresh reader the whole stream. jnats's
 * ordered consumer (the kind the agent reads with) on every subject of the stream from its first message, on
 * jnats's default pull options, doing nothing with a message but count it. Prints the bench's report line once
 * {@code <count>} arrived, timed from just before it connects.
 *
 * <p>Usage: {@code BareOrderedConsumer <url> <stream> <count>}
 */
public final class BareOrderedConsumer {
    private BareOrderedConsumer() {
    }

    public static void main(String[] args) throws Exception {
        String stream = args[1];
        int count = Integer.parseInt(args[2]);
        CountDownLatch all = new CountDownLatch(count);
        AtomicLong first = new AtomicLong();
        long start = System.nanoTime();
        try (Connection connection = Nats.connect(args[0])) {
            MessageConsumer consumer = connection.getStreamContext(stream).createOrderedConsumer(
                    new OrderedConsumerConfiguration().filterSubject(BanSubjects.streamSubjects(stream)))
                    .consume(message -> {
                        first.compareAndSet(0, System.nanoTime());
                        all.countDown();
                    });
            if (!all.await(600, TimeUnit.SECONDS)) {
                throw new IllegalStateException((count - all.getCount()) + " of " + count + " messages within 600 s");
            }
            CatchUpBench.report(count, start, first.get());
            consumer.stop();
        }
    }
}
