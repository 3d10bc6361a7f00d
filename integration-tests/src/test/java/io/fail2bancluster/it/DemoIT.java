package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.harness.Demo;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's first command runs this demo: it must keep working, and show what it claims. */
class DemoIT {

    @Test
    void demoRunsTheBanFiltersNginxAndKeepsTheHostileValueOneArgument() {
        try (JavaProcess demo = JavaProcess.start("fail2ban-cluster-demo", Demo.class)) {
            assertEquals(0, demo.awaitExit(Duration.ofSeconds(60)), demo.output());
            String out = demo.output();
            assertTrue(out.contains("    'sshd-banip-192.0.2.7'"), out);
            assertTrue(out.contains("    'sshd-banip-192.0.2.8; rm -rf ~'"), out);
            assertTrue(out.contains("executed=2"), out);
            assertTrue(out.contains("filtered_out=1"), out);
            assertTrue(!out.contains("nginx-banip"), out);
        }
    }
}
