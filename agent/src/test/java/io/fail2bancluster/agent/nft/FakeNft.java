package io.fail2bancluster.agent.nft;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Records the scripts; refuses those {@code refuse} answers non-null for; lists {@code listed}. While
 * {@link #hold()} is in effect, a script that adds elements waits (as a slow nft would) until {@link #release()}.
 */
public final class FakeNft implements NftCommand {
    public final List<String> scripts = new CopyOnWriteArrayList<>();
    volatile Function<String, String> refuse = script -> null;
    volatile String listed = "table inet fail2ban_cluster { }";
    private volatile CountDownLatch gate;

    /** Scripts that add elements wait from now on until {@link #release()}. */
    public void hold() {
        gate = new CountDownLatch(1);
    }

    public void release() {
        CountDownLatch held = gate;
        gate = null;
        if (held != null) {
            held.countDown();
        }
    }

    @Override
    public String run(String script) {
        CountDownLatch held = gate;
        if (held != null && script.startsWith("add element")) {
            try {
                if (!held.await(30, TimeUnit.SECONDS)) {
                    return "the test never released the fake nft";
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
        scripts.add(script);
        return refuse.apply(script);
    }

    @Override
    public String list(String table) {
        return listed;
    }
}
