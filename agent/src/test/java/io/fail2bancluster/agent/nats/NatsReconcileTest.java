package io.fail2bancluster.agent.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fail2bancluster.agent.link.Reconcile;
import io.fail2bancluster.config.ConfigLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which NATS entries a reload keeps, adds and removes, and what it says of them. */
class NatsReconcileTest {
    private static List<NatsEntry> nats(String yaml) {
        return ConfigLoader.parse(yaml, "test.yml").natsServers().stream().map(NatsEntry::new).toList();
    }

    private static final String ONE = """
            servers:
              - nats: [nats://127.0.0.1:4222]
                channels: [{name: Fail2ban, action: "true"}]
            """;

    @Test
    void newChannelsOfAKeptEntryAreAppliedAndNamed() {
        Reconcile reload = Reconcile.between(nats(ONE), nats("""
                servers:
                  - nats: [nats://127.0.0.1:4222]
                    channels: [{name: Fail2ban, action: "true"}, {name: Web, action: "true"}]
                """));
        assertEquals(List.of(0), reload.from());
        assertEquals(List.of(), reload.removed());
        assertEquals(List.of("kept nats:FAIL2BAN_CLUSTER@127.0.0.1:4222: channels [Fail2ban] -> [Fail2ban, Web]"), reload.lines());
        Reconcile same = Reconcile.between(nats(ONE), nats(ONE));
        assertEquals(List.of(0), same.from());
        assertEquals(List.of(), same.lines());
    }

    @Test
    void aKeptEntrysChangedFilterIsNamedAndAPatternComparesByItsText() {
        String patterned = """
                servers:
                  - nats: [nats://127.0.0.1:4222]
                    channels: [{name: Fail2ban, action: "true", filter: [{key: jail, pattern: "^ssh"}]}]
                """;
        assertEquals(List.of(), Reconcile.between(nats(patterned), nats(patterned)).lines(),
                "two loads of the same pattern are the same filter");
        assertEquals(List.of("kept nats:FAIL2BAN_CLUSTER@127.0.0.1:4222: changed Fail2ban (filter)"),
                Reconcile.between(nats(patterned), nats(patterned.replace("^ssh", "^web"))).lines());
    }

    @Test
    void anAddedEntryStartsAndARemovedOneStops() {
        Reconcile added = Reconcile.between(List.of(), nats(ONE));
        assertEquals(List.of(Reconcile.ADDED), added.from());
        assertEquals(List.of("added nats:FAIL2BAN_CLUSTER@127.0.0.1:4222 (servers[0]), channels [Fail2ban]"), added.lines());
        Reconcile removed = Reconcile.between(nats(ONE), List.of());
        assertEquals(List.of(), removed.from());
        assertEquals(List.of(0), removed.removed());
        assertEquals(List.of("removed nats:FAIL2BAN_CLUSTER@127.0.0.1:4222 (was servers[0])"), removed.lines());
    }

    @Test
    void aChangedConnectionIsAStopAndAStart() {
        Reconcile moved = Reconcile.between(nats(ONE), nats(ONE.replace("4222", "4223")));
        assertEquals(List.of(Reconcile.ADDED), moved.from());
        assertEquals(List.of(0), moved.removed());
        Reconcile otherStream = Reconcile.between(nats(ONE), nats(ONE.replace("channels:", "stream: OTHER\n    channels:")));
        assertEquals(List.of(Reconcile.ADDED), otherStream.from());
        assertEquals(List.of(0), otherStream.removed());
    }

    @Test
    void entriesMatchByConnectionNotByPlace() {
        String two = """
                servers:
                  - nats: [nats://127.0.0.1:4222]
                    channels: [{name: Fail2ban, action: "true"}]
                  - nats: [nats://127.0.0.1:5222]
                    channels: [{name: Web, action: "true"}]
                """;
        String swapped = """
                servers:
                  - host: fanout.example
                    channels: [{name: Fail2ban, action: "true"}]
                  - nats: [nats://127.0.0.1:5222]
                    channels: [{name: Web, action: "true"}]
                  - nats: [nats://127.0.0.1:4222]
                    channels: [{name: Fail2ban, action: "true"}]
                """;
        Reconcile reload = Reconcile.between(nats(two), nats(swapped));
        assertEquals(List.of(1, 0), reload.from());
        assertEquals(List.of(), reload.removed());
        assertEquals(List.of(), reload.lines(), "only the places changed: nothing to do");
    }
}
