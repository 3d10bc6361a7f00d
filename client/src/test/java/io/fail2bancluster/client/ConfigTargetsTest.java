package io.fail2bancluster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.config.TlsConfig;
import java.util.List;
import java.util.Optional;
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

    @Test
    void aServerListedTwiceIsOneTargetButTheSameAddressWithOtherTlsIsAnother() {
        ClusterConfig config = ConfigLoader.parse("""
                servers:
                  - {host: a.example, channels: [{name: Fail2ban}]}
                  - {host: a.example, port: 1986, channels: [{name: Fail2ban}]}
                  - {host: a.example, port: 1987, channels: [{name: Fail2ban}]}
                """, "a server twice");

        assertEquals(List.of(new Target("a.example", 1986), new Target("a.example", 1987)),
                ConfigTargets.forChannel(config, "Fail2ban"));
        Target plain = new Target("a.example", 1986);
        Target tls = new Target("a.example", 1986, Optional.of(TlsConfig.verifying("a.example")));
        assertNotEquals(plain, tls);
        assertEquals(tls, new Target("a.example", 1986, Optional.of(TlsConfig.verifying("a.example"))));
        assertEquals(tls.hashCode(), new Target("a.example", 1986, Optional.of(TlsConfig.verifying("a.example"))).hashCode());
    }
}
