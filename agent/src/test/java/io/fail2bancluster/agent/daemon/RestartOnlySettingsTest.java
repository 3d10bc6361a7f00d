package io.fail2bancluster.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestartOnlySettingsTest {
    private static final String SERVERS = """
            servers:
              - host: a.example
                channels:
                  - name: Fail2ban
                    action: "echo %ip%"
            """;

    private static ClusterConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "restart-test.yml");
    }

    @Test
    void liveSettingsAreNotReported() {
        ClusterConfig running = parse(SERVERS);
        ClusterConfig next = parse(SERVERS.replace("a.example", "b.example")
                + "log_level: 3\nlog_file: /tmp/agent.log\nhostname: h.example\nstrict: false\n");
        assertEquals(List.of(), RestartOnlySettings.changed(running, next));
    }

    @Test
    void everyOtherChangedKeyIsNamedTheWayTheFileSpellsItNestedLimitsIncluded() {
        ClusterConfig running = parse(SERVERS);
        ClusterConfig next = parse(SERVERS + "exec_concurrency: 8\ncontrol_socket: /tmp/other.sock\nmax_line: 4096\n"
                + "dedupe_window: 0\n");
        assertEquals(List.of("dedupe_window changed; takes effect after restart",
                "exec_concurrency changed; takes effect after restart",
                "control_socket changed; takes effect after restart",
                "max_line changed; takes effect after restart"), RestartOnlySettings.changed(running, next));
    }

    @Test
    void componentNamesBecomeSnakeCaseKeys() {
        assertEquals("exec_concurrency", RestartOnlySettings.key("execConcurrency"));
        assertEquals("max_value_length", RestartOnlySettings.key("maxValueLength"));
        assertEquals("metrics", RestartOnlySettings.key("metrics"));
    }
}
