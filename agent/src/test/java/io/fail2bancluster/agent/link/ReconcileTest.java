package io.fail2bancluster.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fail2bancluster.agent.fanout.FanoutEntry;
import io.fail2bancluster.agent.nats.NatsEntry;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One reconcile for every transport: fanout and NATS entries in one list, as the agent holds its links. */
class ReconcileTest {

    private static List<LinkEntry> entries(String yaml) {
        ClusterConfig config = ConfigLoader.parse(yaml, "reconcile-test.yml");
        List<LinkEntry> entries = new ArrayList<>();
        config.servers().forEach(server -> entries.add(new FanoutEntry(server)));
        config.natsServers().forEach(server -> entries.add(new NatsEntry(server)));
        return entries;
    }

    @Test
    void fanoutAndNatsEntriesAreReconciledTogetherAndNeverMatchEachOther() {
        List<LinkEntry> running = entries("""
                servers:
                  - host: a.example
                    channels: [{name: Fail2ban, action: "true"}]
                  - nats: [nats://127.0.0.1:4222]
                    channels: [{name: Fail2ban, action: "true"}]
                """);
        List<LinkEntry> wanted = entries("""
                servers:
                  - nats: [nats://127.0.0.1:4222]
                    channels: [{name: Fail2ban, action: "true"}, {name: Web, action: "true"}]
                  - nats: [nats://127.0.0.1:5222]
                    channels: [{name: Fail2ban, action: "true"}]
                """);
        Reconcile change = Reconcile.between(running, wanted);
        assertEquals(List.of(1, Reconcile.ADDED), change.from());
        assertEquals(List.of(0), change.removed());
        assertEquals(List.of("kept nats:FAIL2BAN_CLUSTER@127.0.0.1:4222: channels [Fail2ban] -> [Fail2ban, Web]",
                "added nats:FAIL2BAN_CLUSTER@127.0.0.1:5222 (servers[1]), channels [Fail2ban]",
                "removed a.example:1986 (was servers[0])",
                "1 server(s) kept their connection, 1 added, 1 removed"), change.describe());
    }

    @Test
    void theStartIsAReconcileFromNothing() {
        List<LinkEntry> wanted = entries("""
                servers:
                  - host: a.example
                    channels: [{name: Fail2ban, action: "true"}, {name: Mine}]
                """);
        Reconcile start = Reconcile.between(List.of(), wanted);
        assertEquals(List.of(Reconcile.ADDED), start.from());
        assertEquals(List.of("added a.example:1986 (servers[0]), subscribing to [Fail2ban]"), start.lines());
    }
}
