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

class ConfigDestinationsTest {

    @Test
    void theExampleConfigSendsFail2banToItsOneServer() {
        ClusterConfig config = ConfigLoader.parse(CommandLines.exampleConfig(), "example");

        assertEquals(List.of(new FanoutDestination("host.example.com", 1234)), ConfigDestinations.forChannel(config, "Fail2ban"));
        assertEquals(List.of(), ConfigDestinations.forChannel(config, "fail2ban"), "channel names are case-sensitive");
        assertEquals(Set.of("Fail2ban"), ConfigDestinations.channelNames(config));
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

        assertEquals(List.of(new FanoutDestination("a.example", 1986), new FanoutDestination("c.example", 3000)),
                ConfigDestinations.forChannel(config, "Fail2ban"));
    }

    @Test
    void aServerListedTwiceIsOneTargetButTheSameAddressWithOtherTlsIsAnother() {
        ClusterConfig config = ConfigLoader.parse("""
                servers:
                  - {host: a.example, channels: [{name: Fail2ban}]}
                  - {host: a.example, port: 1986, channels: [{name: Fail2ban}]}
                  - {host: a.example, port: 1987, channels: [{name: Fail2ban}]}
                """, "a server twice");

        assertEquals(List.of(new FanoutDestination("a.example", 1986), new FanoutDestination("a.example", 1987)),
                ConfigDestinations.forChannel(config, "Fail2ban"));
        FanoutDestination plain = new FanoutDestination("a.example", 1986);
        FanoutDestination tls = new FanoutDestination("a.example", 1986, Optional.of(TlsConfig.verifying("a.example")));
        assertNotEquals(plain, tls);
        assertEquals(tls, new FanoutDestination("a.example", 1986, Optional.of(TlsConfig.verifying("a.example"))));
        assertEquals(tls.hashCode(), new FanoutDestination("a.example", 1986, Optional.of(TlsConfig.verifying("a.example"))).hashCode());
    }
}
