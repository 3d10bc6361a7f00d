package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.config.ActionTemplate;
import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.FilterEntry;
import io.fail2bancluster.config.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Configs built directly, so daemon tests do not depend on the YAML loader. */
final class TestConfigs {

    private TestConfigs() {
    }

    static ClusterConfig config(Path dir, Optional<Path> pidFile) {
        ChannelConfig filtered = new ChannelConfig("servers[0].channels[0]", "Fail2ban",
                Optional.of(ActionTemplate.parse("fail2ban-client set %jail% 'ban ip' %ip% %_channel%")),
                List.of(new FilterEntry("servers[0].channels[0].filter[0]", "jail", List.of("sshd"))));
        ChannelConfig open = new ChannelConfig("servers[0].channels[1]", "Other", Optional.empty(), List.of());
        ServerConfig server = new ServerConfig("servers[0]", "127.0.0.1", 1986, Duration.ofSeconds(60),
                Duration.ofSeconds(20), List.of(filtered, open));
        return new ClusterConfig(Optional.of(dir.resolve("cluster.yml")), List.of(server), 2, Optional.empty(),
                pidFile, Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(5), 4, 10_000,
                Duration.ofSeconds(60), dir.resolve("run/control.sock"));
    }

    static ClusterConfig config(Path dir) {
        return config(dir, Optional.of(dir.resolve("agent.pid")));
    }
}
