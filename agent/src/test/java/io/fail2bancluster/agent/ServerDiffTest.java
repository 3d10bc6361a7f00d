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
    void aKeptServerNamesTheChannelsWhoseFilterActionOrKeysChangedAndLeavesOutEmptyLists() {
        String channels = """
                  - host: a.example
                    channels:
                      - name: Fail2ban
                        action: "echo %ip%"
                        filter: [{key: jail, values: [sshd]}]
                      - name: Web
                        action: "echo %ip%"
                """;
        List<ServerConfig> running = servers(channels);
        List<ServerConfig> nextFilter = servers(channels.replace("values: [sshd]", "values: [sshd, nginx]"));
        assertEquals(List.of("kept a.example:1986: changed Fail2ban (filter)",
                        "1 server(s) kept their connection, 0 added, 0 removed"),
                ServerDiff.between(running, nextFilter).describe(running));
        List<ServerConfig> nextAction = servers(channels.replace("      - name: Web\n        action: \"echo %ip%\"",
                "      - name: Web\n        action: \"ban %ip%\"") + "      - name: Mail\n        action: \"echo %ip%\"\n");
        assertEquals("kept a.example:1986: subscribing to [Mail], changed Web (action)",
                ServerDiff.between(running, nextAction).describe(running).get(0), "no 'unsubscribing from []'");
        assertEquals(List.of("1 server(s) kept their connection, 0 added, 0 removed"),
                ServerDiff.between(running, servers(channels)).describe(running), "nothing changed, nothing named");
        List<ServerConfig> nextBatch = servers(channels.replace("filter: [{key: jail, values: [sshd]}]",
                "filter: [{key: jail, values: [sshd]}]\n        batch: 50"));
        assertEquals("kept a.example:1986: changed Fail2ban (batch)",
                ServerDiff.between(running, nextBatch).describe(running).get(0), "a batch size changes how it runs");
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
