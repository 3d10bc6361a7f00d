package io.fail2bancluster.agent.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertEquals(List.of("nats nats://127.0.0.1:4222: channels [Fail2ban] -> [Fail2ban, Web]"), reload.describe());
        assertEquals(List.of(), NatsReload.between(nats(ONE), nats(ONE)).describe());
    }

    @Test
    void anAddedRemovedOrOtherwiseChangedEntryNeedsARestart() {
        IllegalStateException added = assertThrows(IllegalStateException.class,
                () -> NatsReload.between(List.of(), nats(ONE)));
        assertTrue(added.getMessage().contains("restart the agent"), added.getMessage());
        IllegalStateException moved = assertThrows(IllegalStateException.class, () -> NatsReload.between(nats(ONE),
                nats(ONE.replace("4222", "4223"))));
        assertTrue(moved.getMessage().startsWith("servers[0] (nats nats://127.0.0.1:4223): only its channels"),
                moved.getMessage());
    }
}
