package io.fail2bancluster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfigTargetsTest {

    @Test
    void theExampleConfigSendsFail2banToItsOneServer() {
        ClusterConfig config = ConfigLoader.parse(CommandLines.exampleConfig(), "example");

        assertEquals(List.of(new Target("host.example.com", 1234)), ConfigTargets.forChannel(config, "Fail2ban"));
        assertEquals(List.of(), ConfigTargets.forChannel(config, "fail2ban"), "channel names are case-sensitive");
        assertEquals(Set.of("Fail2ban"), ConfigTargets.channelNames(config));
    }

    @Test
    void everyServerCarryingTheChannelInFileOrderAndTheDefaultPort() {
        ClusterConfig config = ConfigLoader.parse("""
                servers:
                  - host: a.example
                    channels: [{name: Fail2ban}]
                  - host: b.example
                    port: 2000
                    channels: [{name: Other}]
                  - host: c.example
                    port: 3000
                    channels: [{name: Other}, {name: Fail2ban}]
                """, "three servers");

        assertEquals(List.of(new Target("a.example", 1986), new Target("c.example", 3000)),
                ConfigTargets.forChannel(config, "Fail2ban"));
    }
}
