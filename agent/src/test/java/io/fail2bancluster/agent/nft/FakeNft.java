package io.fail2bancluster.agent.nft;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** Records the scripts; refuses those {@code refuse} answers non-null for; lists {@code listed}. */
public final class FakeNft implements NftCommand {
    public final List<String> scripts = new CopyOnWriteArrayList<>();
    volatile Function<String, String> refuse = script -> null;
    volatile String listed = "table inet fail2ban_cluster { }";

    @Override
    public String run(String script) {
        scripts.add(script);
        return refuse.apply(script);
    }

    @Override
    public String listTerse(String table) {
        return listed;
    }
}
