package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.daemon.AgentMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code fail2ban-clusterd reload} and SIGHUP against a running agent process and real brokers: an added
 * server is connected while the kept one keeps its connection, a removed channel is unsubscribed, a
 * broken config is refused with its file and line while the old one keeps working, and a log file
 * moved away (as logrotate does) is recreated.
 */
class ReloadIT {
    @RegisterExtension
    final Cluster cluster = new Cluster();

    private RecordingAction action;
    private Path config;
    private Path log;

    /** The agent's config: {@code servers} as (port, channels...) entries, logging to {@link #log}. */
    private String yaml(List<List<Object>> servers) {
        StringBuilder yaml = new StringBuilder("servers:\n");
        for (List<Object> server : servers) {
            yaml.append("  - host: 127.0.0.1\n    port: ").append(server.get(0)).append("\n    ping_timeout: ")
                    .append(Cluster.PING_TIMEOUT_SECONDS).append("\n    channels:\n");
            for (Object channel : server.subList(1, server.size())) {
                yaml.append("      - name: ").append(channel).append("\n        action: \"")
                        .append(action.action("%_channel% %ip%")).append("\"\n");
            }
        }
        return yaml.append("reconnect_min: 0.1\nreconnect_max: 1\nexec_concurrency: 1\nlog_level: 3\nlog_file: ")
                .append(log).append('\n').toString();
    }

    private JavaProcess reload(Path file) {
        JavaProcess reload = cluster.keep(JavaProcess.start("fail2ban-clusterd reload", AgentMain.class,
                "--config", file.toString(), "reload"));
        reload.awaitExit(Cluster.WAIT);
        return reload;
    }

    private void publish(FanoutServer server, String channel, String ip) {
        JavaProcess client = cluster.client("--host", "127.0.0.1", "-p", Integer.toString(server.port()),
                "-c", channel, "-m", "ip=" + ip);
        assertEquals(0, client.process().exitValue(), client.output());
    }

    private static String field(Map<String, String> status, int server, String name) {
        return status.get("server." + server + "." + name);
    }

    @Test
    void reloadAddsRemovesRefusesAndReopensTheLogAndSighupDoesTheSame() throws Exception {
        List<FanoutServer> brokers = cluster.brokers(2);
        FanoutServer first = brokers.get(0);
        FanoutServer second = brokers.get(1);
        action = cluster.recordingAction();
        log = cluster.dir().resolve("agent.log");
        AgentProcess agent = cluster.keep(AgentProcess.start(cluster.dir(),
                yaml(List.of(List.of(first.port(), "Fail2ban", "Web")))));
        config = cluster.dir().resolve("cluster.yml");
        String controlSocketLine = "control_socket: " + cluster.dir().resolve("control.sock") + "\nstate_dir: "
                + cluster.dir().resolve("state") + "\n";
        first.awaitSubscriptions(2);
        await().atMost(Cluster.WAIT).until(() -> "connected".equals(agent.server0("state")));
        publish(first, "Web", "192.0.2.1");
        action.awaitRuns(1, agent.process());
        Map<String, String> before = agent.statusFields();

        // Add a server, drop the Web channel from the first one.
        Files.writeString(config, yaml(List.of(List.of(first.port(), "Fail2ban"), List.of(second.port(), "Fail2ban")))
                + controlSocketLine);
        JavaProcess reload = reload(config);
        assertEquals(0, reload.process().exitValue(), reload.output() + agent.output());
        assertTrue(reload.output().contains("added 127.0.0.1:" + second.port()), reload.output());
        assertTrue(reload.output().contains("unsubscribing from [Web]"), reload.output());
        second.awaitSubscriptions(1);
        first.awaitSubscriptions(1);
        await().atMost(Cluster.WAIT).until(() -> "connected".equals(field(agent.statusFields(), 1, "state")));
        Map<String, String> after = agent.statusFields();
        assertEquals("127.0.0.1:" + first.port(), field(after, 0, "address"));
        // derived from a monotonic clock at each status, so equal within microseconds, not to the digit
        Duration shift = Duration.between(Instant.parse(field(before, 0, "connected_since")),
                Instant.parse(field(after, 0, "connected_since"))).abs();
        assertTrue(shift.toMillis() < 100, "the kept server's connection is the one it had; moved by " + shift);
        assertEquals("0", field(after, 0, "reconnects"));
        assertEquals("1", field(after, 0, "executed"), "its counters survive the reload");
        assertEquals(1, agent.process().lines(l -> l.endsWith(first.address() + ": connected")).size(),
                "greeted once: no reconnect");

        // The Web channel no longer runs; the marker after it on the same connection proves it was not delivered.
        publish(first, "Web", "192.0.2.2");
        publish(first, "Fail2ban", "192.0.2.3");
        publish(second, "Fail2ban", "192.0.2.4");
        assertEquals(List.of(List.of("Web", "192.0.2.1"), List.of("Fail2ban", "192.0.2.3"),
                List.of("Fail2ban", "192.0.2.4")), runsSorted(action.awaitRuns(3, agent.process())));
        String good = Files.readString(config);

        // A broken config: refused by reload itself, and by the agent when reload finds it through another file.
        Files.writeString(config, good.replace("port: " + second.port(), "port: second"));
        int brokenLine = lineOf(config, "port: second");
        reload = reload(config);
        assertEquals(1, reload.process().exitValue(), reload.output());
        assertTrue(reload.output().contains(config + ": servers[1].port"), reload.output());
        assertTrue(reload.output().contains("line " + brokenLine), reload.output());
        Path sameSocket = Files.writeString(cluster.dir().resolve("same-socket.yml"), good);
        reload = reload(sameSocket);
        assertEquals(1, reload.process().exitValue(), reload.output());
        assertTrue(reload.output().contains(config + ": servers[1].port"), reload.output());
        assertTrue(reload.output().contains("line " + brokenLine), reload.output());
        assertTrue(reload.output().contains("not reloaded: the running agent keeps its configuration"), reload.output());
        publish(second, "Fail2ban", "192.0.2.5");
        assertEquals(List.of("Fail2ban", "192.0.2.5"), action.awaitRuns(4, agent.process()).get(3),
                "the old config keeps working");

        // logrotate moves the file away; reload recreates it.
        Files.writeString(config, good);
        Path rotated = Files.move(log, cluster.dir().resolve("agent.log.1"));
        reload = reload(config);
        assertEquals(0, reload.process().exitValue(), reload.output());
        await().atMost(Cluster.WAIT).until(() -> Files.exists(log) && Files.readString(log).contains("reloaded " + config));
        assertFalse(Files.readString(rotated).contains("reloaded " + config + ": 2 server(s)"));

        // SIGHUP: the same reload. The Web channel comes back, and the log is recreated again.
        Path rotatedAgain = Files.move(log, cluster.dir().resolve("agent.log.2"));
        Files.writeString(config, good.replaceFirst("(?s)(channels:\n.*?\n)(  - host)",
                "$1      - name: Web\n        action: \"" + action.action("%_channel% %ip%") + "\"\n$2"));
        new ProcessBuilder("kill", "-HUP", Long.toString(agent.process().pid())).inheritIO().start().waitFor();
        first.awaitSubscriptions(2);
        // said before the log is reopened, so in the file that was moved away; the outcome in the new one
        assertTrue(Files.readString(rotatedAgain).contains("SIGHUP: reloading " + config));
        await().atMost(Cluster.WAIT).until(() -> Files.exists(log)
                && Files.readString(log).contains("reloaded " + config + ": kept 127.0.0.1:" + first.port()));
        publish(first, "Web", "192.0.2.6");
        assertEquals(List.of("Web", "192.0.2.6"), action.awaitRuns(5, agent.process()).get(4));
        assertTrue(agent.process().isAlive());
    }

    /** The first three runs came from two connections, so the last two may run in either order. */
    private static List<List<String>> runsSorted(List<List<String>> runs) {
        List<List<String>> sorted = new java.util.ArrayList<>(runs.subList(0, 1));
        runs.subList(1, runs.size()).stream().sorted((a, b) -> a.get(1).compareTo(b.get(1))).forEach(sorted::add);
        return sorted;
    }

    private static int lineOf(Path file, String text) throws IOException {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text + " not in " + file);
    }
}
