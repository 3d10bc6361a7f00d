package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.broker.Broker;
import io.fail2bancluster.broker.BrokerOptions;
import io.fail2bancluster.client.ClientMain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A signed channel carried by three brokers: the client signs once and announces to all three, the agent
 * process verifies each copy, runs the action once, and takes the other two copies for what they are
 * (redundant deliveries, deduplicated), not for replays.
 */
class SignedChannelIT {
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final Resources resources = new Resources();

    @AfterEach
    void closeAll() throws Exception {
        resources.close();
    }

    @Test
    void oneSignedPublishThroughThreeBrokersRunsOnceWithoutAReplayWarning() throws Exception {
        List<Broker> brokers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            brokers.add(keep(Broker.start(BrokerOptions.defaults().withBindAddress("127.0.0.1").withPort(0).withThreads(1))));
        }
        Path key = dir.resolve("Fail2ban.key");
        Files.writeString(key, "a shared secret for the whole fleet\n");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        RecordingAction recorder = RecordingAction.in(dir);
        StringBuilder yaml = new StringBuilder("servers:\n");
        for (Broker broker : brokers) {
            yaml.append("""
                      - host: 127.0.0.1
                        port: %d
                        channels:
                          - name: Fail2ban
                            action: "%s"
                            secret_files: [%s]
                            filter:
                              - {key: jail, values: [sshd]}
                              - {key: action, values: [banip, unbanip]}
                              - {key: ip, pattern: '[0-9.]+'}
                    """.formatted(broker.port(), recorder.action("%jail% %action% %ip%"), key));
        }
        yaml.append("strict: true\nlog_level: 3\ncontrol_socket: ").append(dir.resolve("control.sock")).append('\n');
        yaml.append("state_dir: ").append(dir.resolve("state")).append('\n');
        Path config = dir.resolve("cluster.yml");
        Files.writeString(config, yaml);

        JavaProcess agent = keep(JavaProcess.start("agent", AgentMain.class, "--config", config.toString(), "run"));
        for (Broker broker : brokers) {
            await().atMost(WITHIN).until(() -> !agent.isAlive() || broker.stats().userRequestedSubscriptions() == 1);
        }
        JavaProcess client = keep(JavaProcess.start("client", ClientMain.class, "--config=" + config,
                "-c", "Fail2ban", "-m", "jail=sshd, action=banip, ip=192.0.2.7"));
        assertEquals(0, client.awaitExit(WITHIN), client.output());

        // The first copy ran and the other two were recognised as copies (debug log of dedupe).
        await().atMost(WITHIN).until(() -> !recorder.runs().isEmpty()
                && agent.output().split("already delivered by another server", -1).length - 1 == 2);
        assertEquals(List.of(List.of("sshd", "banip", "192.0.2.7")), recorder.runs(), agent.output());
        assertFalse(agent.output().contains("replay"), agent.output());
        assertFalse(agent.output().contains("rejected"), agent.output());
    }

    private <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }
}
