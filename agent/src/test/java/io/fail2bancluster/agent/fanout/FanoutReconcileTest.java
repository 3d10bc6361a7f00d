package io.fail2bancluster.agent.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fail2bancluster.agent.link.Reconcile;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which servers a reload keeps, adds and removes, and which channels change on the kept ones. */
class FanoutReconcileTest {

    private static List<FanoutEntry> servers(String servers) {
        ClusterConfig config = ConfigLoader.parse("servers:\n" + servers, "diff-test.yml");
        return config.servers().stream().map(FanoutEntry::new).toList();
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
        Reconcile diff = Reconcile.between(servers(yaml), servers(yaml));
        assertEquals(List.of(0, 1), diff.from());
        assertEquals(List.of(), diff.lines(), "no channel subscribed or unsubscribed");
        assertEquals(List.of(), diff.removed());
    }

    @Test
    void anAddedServerIsAddedARemovedOneRemovedAndTheOthersKeptWhereverTheyStand() {
        List<FanoutEntry> running = servers(
                server("a.example", 1986, "", "Fail2ban") + server("b.example", 1986, "", "Fail2ban"));
        List<FanoutEntry> next = servers(
                server("c.example", 1986, "", "Fail2ban") + server("a.example", 1986, "", "Fail2ban"));
        Reconcile diff = Reconcile.between(running, next);
        assertEquals(List.of(Reconcile.ADDED, 0), diff.from());
        assertEquals(List.of(1), diff.removed());
        assertEquals(List.of("added c.example:1986 (servers[0]), subscribing to [Fail2ban]",
                "removed b.example:1986 (was servers[1])",
                "1 server(s) kept their connection, 1 added, 1 removed"), diff.describe());
    }

    @Test
    void aKeptServerSubscribesAddedChannelsAndUnsubscribesRemovedOnes() {
        List<FanoutEntry> running = servers(server("a.example", 1986, "", "Fail2ban", "Web",
                "PublishOnly"));
        List<FanoutEntry> next = servers(server("a.example", 1986, "", "Web", "Mail",
                "PublishOnly2"));
        Reconcile diff = Reconcile.between(running, next);
        assertEquals(List.of(0), diff.from());
        assertEquals(List.of(), diff.removed());
        assertEquals("kept a.example:1986: subscribing to [Mail], unsubscribing from [Fail2ban]",
                diff.describe().get(0));
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
        List<FanoutEntry> running = servers(channels);
        List<FanoutEntry> nextFilter = servers(channels.replace("values: [sshd]", "values: [sshd, nginx]"));
        assertEquals(List.of("kept a.example:1986: changed Fail2ban (filter)",
                        "1 server(s) kept their connection, 0 added, 0 removed"),
                Reconcile.between(running, nextFilter).describe());
        List<FanoutEntry> nextAction = servers(channels.replace("      - name: Web\n        action: \"echo %ip%\"",
                "      - name: Web\n        action: \"ban %ip%\"") + "      - name: Mail\n        action: \"echo %ip%\"\n");
        assertEquals("kept a.example:1986: subscribing to [Mail], changed Web (action)",
                Reconcile.between(running, nextAction).describe().get(0), "no 'unsubscribing from []'");
        assertEquals(List.of("1 server(s) kept their connection, 0 added, 0 removed"),
                Reconcile.between(running, servers(channels)).describe(), "nothing changed, nothing named");
        List<FanoutEntry> nextBatch = servers(channels.replace("filter: [{key: jail, values: [sshd]}]",
                "filter: [{key: jail, values: [sshd]}]\n        batch: 50"));
        assertEquals("kept a.example:1986: changed Fail2ban (batch)",
                Reconcile.between(running, nextBatch).describe().get(0), "a batch size changes how it runs");
    }

    @Test
    void aChangedPortTlsOrPingSettingMakesItAnotherConnection() {
        List<FanoutEntry> running = servers(server("a.example", 1986, "", "Fail2ban")
                + server("b.example", 1986, "", "Fail2ban") + server("c.example", 1986, "", "Fail2ban"));
        List<FanoutEntry> next = servers(server("a.example", 1987, "", "Fail2ban")
                + server("b.example", 1986, "    tls: true\n", "Fail2ban")
                + server("c.example", 1986, "    ping_timeout: 30\n", "Fail2ban"));
        Reconcile diff = Reconcile.between(running, next);
        assertEquals(List.of(Reconcile.ADDED, Reconcile.ADDED, Reconcile.ADDED), diff.from());
        assertEquals(List.of(0, 1, 2), diff.removed());
    }

    @Test
    void twoEntriesForOneServerMatchInFileOrder() {
        List<FanoutEntry> running = servers(server("a.example", 1986, "", "One")
                + server("a.example", 1986, "", "Two"));
        List<FanoutEntry> next = servers(server("a.example", 1986, "", "Two"));
        Reconcile diff = Reconcile.between(running, next);
        assertEquals(List.of(0), diff.from());
        assertEquals(List.of("kept a.example:1986: subscribing to [Two], unsubscribing from [One]",
                "removed a.example:1986 (was servers[1])"), diff.lines());
        assertEquals(List.of(1), diff.removed());
    }
}
