package io.fail2bancluster.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLines;
import io.fail2bancluster.config.ConfigLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostChecksTest {

    private static List<String> warnings(String yaml) {
        ClusterConfig config = ConfigLoader.parse(yaml, "t.yml");
        return HostChecks.warnings(config, ConfigLines.of(yaml));
    }

    @Test
    void exampleNamesAreTheReservedOnes() {
        for (String host : List.of("fanout1.example.com", "example.com", "FANOUT.EXAMPLE.ORG.", "a.example.net",
                "broker.example")) {
            assertTrue(HostChecks.isExampleName(host), host);
        }
        for (String host : List.of("127.0.0.1", "example.company.com", "myexample.com", "fanout.internal")) {
            assertFalse(HostChecks.isExampleName(host), host);
        }
    }

    @Test
    void aServerStillNamedAsInTheExampleIsAWarningWithItsLine() {
        List<String> warnings = warnings("""
                servers:
                  - host: 127.0.0.1
                    channels:
                      - name: c
                  - host: fanout1.example.com
                    channels:
                      - name: c
                  - nats: [nats://n1.example.org:4222]
                    channels:
                      - name: c
                """);
        assertEquals(List.of(
                "servers[1].host: fanout1.example.com is an example name, not a real host; put your fanout server "
                        + "here, line 5",
                "servers[2].nats: n1.example.org is an example name, not a real host; put your NATS servers here, "
                        + "line 8"), warnings);
    }
}
