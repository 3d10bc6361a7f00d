package io.fail2bancluster.agent.daemon;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Asks a running agent to stop; SIGTERM and SIGINT in production, the test itself in tests. */
public final class StopRequest {
    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean running;

    public void request() {
        requested.countDown();
    }

    /** Called by the agent when it starts: from now on a stop waits for it. */
    void running() {
        running = true;
    }

    void awaitRequest() throws InterruptedException {
        requested.await();
    }

    /** Called by the agent when it has stopped and cleaned up. */
    void finished() {
        finished.countDown();
    }

    /** Requests a stop and waits for a running agent to finish; false if it did not within the time. */
    public boolean requestAndAwait(long timeout, TimeUnit unit) throws InterruptedException {
        request();
        return !running || finished.await(timeout, unit);
    }
}
