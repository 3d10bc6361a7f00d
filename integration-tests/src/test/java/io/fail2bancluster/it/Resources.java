package io.fail2bancluster.it;

import java.util.ArrayList;
import java.util.List;

/** What a test started (processes, brokers, sockets), closed in reverse order when it ends. */
final class Resources implements AutoCloseable {
    private final List<AutoCloseable> kept = new ArrayList<>();

    <T extends AutoCloseable> T keep(T resource) {
        kept.add(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        for (int i = kept.size() - 1; i >= 0; i--) {
            kept.get(i).close();
        }
    }
}
