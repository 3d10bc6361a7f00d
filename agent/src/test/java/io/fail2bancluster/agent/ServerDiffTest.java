package io.fail2bancluster.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.config.ServerConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which servers a reload keeps, adds and removes, and which channels change on the kept ones. */
class ServerDiffTest {

    private static List<ServerConfig> servers(String servers) {
        ClusterConfig config = ConfigLoader.parse("servers:\n" + servers, "diff-test.yml");
        return config.servers();
    }

    private static String server(String host, int port, String extra, String... channels) {
        StringBuilder yaml = new StringBuilder("  - host: " + host + "\n    port: " + port + "\n" + extra
                + "    channels:\n");
        for (String channel : channels) {
            yaml.append("      - name: ").append(channel).append('\n');
            if (!channel.startsWith("PublishOnly")) {
                yaml.append("        action: \"echo %ip%\"\n");
            }
        }
        return yaml.toString();
    }

    @Test
    void theSameServersAreAllKeptWithNothingToChange() {
        String yaml = server("a.example", 1986, "", "Fail2ban") + server("b.example", 1986, "", "Fail2ban");
        ServerDiff diff = ServerDiff.between(servers(yaml), servers(yaml));
        assertEquals(List.of(new ServerDiff.Kept(0, servers(yaml).get(0), List.of(), List.of()),
                new ServerDiff.Kept(1, servers(yaml).get(1), List.of(), List.of())), diff.next());
        assertEquals(List.of(), diff.removed());
    }

    @Test
    void anAddedServerIsAddedARemovedOneRemovedAndTheOthersKeptWhereverTheyStand() {
        List<ServerConfig> running = servers(
                server("a.example", 1986, "", "Fail2ban") + server("b.example", 1986, "", "Fail2ban"));
        List<ServerConfig> next = servers(
                server("c.example", 1986, "", "Fail2ban") + server("a.example", 1986, "", "Fail2ban"));
        ServerDiff diff = ServerDiff.between(running, next);
        assertEquals(List.of(new ServerDiff.Added(next.get(0)), new ServerDiff.Kept(0, next.get(1), List.of(), List.of())),
                diff.next());
        assertEquals(List.of(1), diff.removed());
        assertEquals(List.of("added c.example:1986 (servers[0]), subscribing to [Fail2ban]",
                "removed b.example:1986 (was servers[1])",
                "1 server(s) kept their connection, 1 added, 1 removed"), diff.describe(running));
    }

    @Test
    void aKeptServerSubscribesAddedChannelsAndUnsubscribesRemovedOnes() {
        List<ServerConfig> running = servers(server("a.example", 1986, "", "Fail2ban", "Web",
                "PublishOnly"));
        List<ServerConfig> next = servers(server("a.example", 1986, "", "Web", "Mail",
                "PublishOnly2"));
        ServerDiff diff = ServerDiff.between(running, next);
        assertEquals(List.of(new ServerDiff.Kept(0, next.get(0), List.of("Mail"), List.of("Fail2ban"))), diff.next());
        assertEquals(List.of(), diff.removed());
        assertEquals("kept a.example:1986: subscribing to [Mail], unsubscribing from [Fail2ban]",
                diff.describe(running).get(0));
    }

    @Test
    void aChangedPortTlsOrPingSettingMakesItAnotherConnection() {
        List<ServerConfig> running = servers(server("a.example", 1986, "", "Fail2ban")
                + server("b.example", 1986, "", "Fail2ban") + server("c.example", 1986, "", "Fail2ban"));
        List<ServerConfig> next = servers(server("a.example", 1987, "", "Fail2ban")
                + server("b.example", 1986, "    tls: true\n", "Fail2ban")
                + server("c.example", 1986, "    ping_timeout: 30\n", "Fail2ban"));
        ServerDiff diff = ServerDiff.between(running, next);
        assertEquals(List.of(new ServerDiff.Added(next.get(0)), new ServerDiff.Added(next.get(1)),
                new ServerDiff.Added(next.get(2))), diff.next());
        assertEquals(List.of(0, 1, 2), diff.removed());
    }

    @Test
    void twoEntriesForOneServerMatchInFileOrder() {
        List<ServerConfig> running = servers(server("a.example", 1986, "", "One")
                + server("a.example", 1986, "", "Two"));
        List<ServerConfig> next = servers(server("a.example", 1986, "", "Two"));
        ServerDiff diff = ServerDiff.between(running, next);
        assertEquals(List.of(new ServerDiff.Kept(0, next.get(0), List.of("Two"), List.of("One"))), diff.next());
        assertEquals(List.of(1), diff.removed());
    }
}
