package io.fail2bancluster.util;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.ThreadFactory;

/**
 * Threads whose job is to block (waiting for a process, a disk sync, a JetStream acknowledgement), made by
 * Netty's {@link DefaultThreadFactory} (a pool name and a number, daemon) and marked as allowed to block: a
 * {@link FastThreadLocalThread} otherwise counts as an event loop for BlockHound ({@link BlockingCallGuard}),
 * which would end the process at the first wait. Nothing that runs on an event loop belongs on one of these.
 */
public final class BlockingThreads {
    private BlockingThreads() {
    }

    /** Daemon threads named {@code <pool>-<n>-<m>} that may block. */
    public static ThreadFactory named(String pool) {
        return new DefaultThreadFactory(pool, true) {
            @Override
            protected Thread newThread(Runnable task, String name) {
                return new FastThreadLocalThread(threadGroup, task, name) {
                    @Override
                    public boolean permitBlockingCalls() {
                        return true;
                    }
                };
            }
        };
    }
}
