package io.fail2bancluster.agent.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.config.NatsServerConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class NatsReloadTest {
    private static List<NatsServerConfig> nats(String yaml) {
        return ConfigLoader.parse(yaml, "test.yml").natsServers();
    }

    private static final String ONE = """
            servers:
              - nats: [nats://127.0.0.1:4222]
                channels: [{name: Fail2ban, action: "true"}]
            """;

    @Test
    void newChannelsOfAKeptEntryAreAppliedAndNamed() {
        NatsReload reload = NatsReload.between(nats(ONE), nats("""
                servers:
                  - nats: [nats://127.0.0.1:4222]
                    channels: [{name: Fail2ban, action: "true"}, {name: Web, action: "true"}]
                """));
        assertEquals(List.of(0), reload.from());
        assertEquals(List.of(), reload.removed());
        assertEquals(List.of("kept nats:FAIL2BAN_CLUSTER@127.0.0.1:4222: channels [Fail2ban] -> [Fail2ban, Web]"), reload.describe());
        NatsReload same = NatsReload.between(nats(ONE), nats(ONE));
        assertEquals(List.of(0), same.from());
        assertEquals(List.of(), same.describe());
    }

    @Test
    void aKeptEntrysChangedFilterIsNamedAndAPatternComparesByItsText() {
        String patterned = """
                servers:
                  - nats: [nats://127.0.0.1:4222]
                    channels: [{name: Fail2ban, action: "true", filter: [{key: jail, pattern: "^ssh"}]}]
                """;
        assertEquals(List.of(), NatsReload.between(nats(patterned), nats(patterned)).describe(),
                "two loads of the same pattern are the same filter");
        assertEquals(List.of("kept nats:FAIL2BAN_CLUSTER@127.0.0.1:4222: changed Fail2ban (filter)"),
                NatsReload.between(nats(patterned), nats(patterned.replace("^ssh", "^web"))).describe());
    }

    @Test
    void anAddedEntryStartsAndARemovedOneStops() {
        NatsReload added = NatsReload.between(List.of(), nats(ONE));
        assertEquals(List.of(NatsReload.ADDED), added.from());
        assertEquals(List.of("added nats:FAIL2BAN_CLUSTER@127.0.0.1:4222 (servers[0]), channels [Fail2ban]"), added.describe());
        NatsReload removed = NatsReload.between(nats(ONE), List.of());
        assertEquals(List.of(), removed.from());
        assertEquals(List.of(0), removed.removed());
        assertEquals(List.of("removed nats:FAIL2BAN_CLUSTER@127.0.0.1:4222 (was servers[0])"), removed.describe());
    }

    @Test
    void aChangedConnectionIsAStopAndAStart() {
        NatsReload moved = NatsReload.between(nats(ONE), nats(ONE.replace("4222", "4223")));
        assertEquals(List.of(NatsReload.ADDED), moved.from());
        assertEquals(List.of(0), moved.removed());
        NatsReload otherStream = NatsReload.between(nats(ONE), nats(ONE.replace("channels:", "stream: OTHER\n    channels:")));
        assertEquals(List.of(NatsReload.ADDED), otherStream.from());
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
        NatsReload reload = NatsReload.between(nats(two), nats(swapped));
        assertEquals(List.of(1, 0), reload.from());
        assertEquals(List.of(), reload.removed());
        assertEquals(List.of(), reload.describe(), "only the places changed: nothing to do");
    }
}
