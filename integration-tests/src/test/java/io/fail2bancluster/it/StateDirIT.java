package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two agent processes given one state_dir: the second keeps no outbox and says whose the folder is. */
class StateDirIT {
    @RegisterExtension
    final Cluster cluster = new Cluster();

    @Test
    void aSecondAgentOnTheSameStateDirKeepsNoOutboxAndNamesTheFirst() throws Exception {
        Path state = cluster.dir().resolve("shared-state");
        String yaml = "state_dir: " + state + "\nservers:\n  - host: 127.0.0.1\n    port: " + Cluster.unusedPort()
                + "\n    channels:\n      - name: Fail2ban\n        action: \"/bin/true %ip%\"\n";
        AgentProcess first = cluster.keep(AgentProcess.start(Files.createDirectories(cluster.dir().resolve("a")), yaml));
        AgentProcess second = cluster.keep(AgentProcess.start(Files.createDirectories(cluster.dir().resolve("b")), yaml));

        second.process().awaitLineContaining(state + " is in use by another agent (pid " + first.process().pid()
                + "); give each agent its own state_dir", Cluster.WAIT);
        assertEquals("0", first.statusFields().get("outbox.depth"), "the first keeps its outbox");
        assertEquals(null, second.statusFields().get("outbox.depth"), "the second has none: " + second.output());
    }
}
