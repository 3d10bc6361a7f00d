package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * etc/monitoring/, the alert rules and the Grafana dashboard an operator imports: every metric name and
 * every {@code outcome} they use is one a real agent or broker serves on its page, promtool accepts the rules and
 * their unit tests pass, and every dashboard query is valid PromQL.
 */
class MonitoringIT {
    private static final Path MONITORING = Path.of("..", "etc", "monitoring");
    private static final Path RULES = MONITORING.resolve("fail2ban-cluster.rules.yml");
    private static final Path RULE_TESTS = MONITORING.resolve("fail2ban-cluster.rules.test.yml");
    private static final Path DASHBOARD = MONITORING.resolve("fail2ban-cluster.dashboard.json");
    private static final Pattern METRIC = Pattern.compile("\\bfail2ban_cluster_[a-z_]+\\b");
    private static final Pattern FAMILY = Pattern.compile("^# TYPE (\\S+) ", Pattern.MULTILINE);
    private static final Pattern OUTCOME = Pattern.compile("outcome=~?\\\\?\"([^\"\\\\]*)\\\\?\"");
    /** A dashboard query: the "expr" of a target in the JSON, with its JSON escapes. */
    private static final Pattern EXPR = Pattern.compile("\"expr\": \"((?:[^\"\\\\]|\\\\.)*)\"");

    @RegisterExtension
    final Cluster cluster = new Cluster();
    /** Whether the reason promtool's tests skip was printed already (two tests need it). */
    private static boolean skipPrinted;

    @Test
    void everyMetricAndOutcomeTheRulesAndTheDashboardUseIsOneTheAgentOrTheBrokerServes() throws Exception {
        int brokerMetricsPort = Cluster.unusedPort();
        FanoutServer broker = cluster.brokerWith("--metrics=" + brokerMetricsPort);
        int metricsPort = Cluster.unusedPort();
        Path config = cluster.agentConfig("/bin/true %action% %ip%", broker.port());
        Files.writeString(config, "metrics: " + metricsPort + "\n", StandardOpenOption.APPEND);
        AgentProcess agent = cluster.agent(config);
        broker.awaitSubscriptions(1);
        // every family on the page, the one that is absent before the server's first line included
        String page = await().atMost(Cluster.WAIT).ignoreExceptions()
                .until(() -> StatusMetricsIT.scrape(metricsPort), p -> p.contains("fail2ban_cluster_server_last_line_timestamp_seconds{"));
        Set<String> served = matches(FAMILY, page);
        String brokerPage = StatusMetricsIT.scrape(brokerMetricsPort);
        // the agent's connection, and its subscription beside the automatic all
        assertTrue(brokerPage.contains("\nfail2ban_cluster_broker_connections 1\n"), brokerPage);
        assertTrue(brokerPage.contains("\nfail2ban_cluster_broker_subscriptions 2\n"), brokerPage);
        served.addAll(matches(FAMILY, brokerPage));
        Set<String> outcomes = matches(Pattern.compile("outcome=\"([a-z_]+)\""), page);
        assertTrue(served.size() >= 5 && outcomes.contains("executed"), page + "\n" + agent.output());

        for (Path file : List.of(RULES, RULE_TESTS, DASHBOARD)) {
            String text = Files.readString(file);
            Set<String> used = matches(METRIC, text);
            assertFalse(used.isEmpty(), file + " uses no fail2ban-cluster metric");
            for (String name : used) {
                assertTrue(served.contains(name), file + " uses " + name + ", which neither the agent nor the broker serves: "
                        + served);
            }
            for (String alternatives : matches(OUTCOME, text)) {
                for (String outcome : alternatives.split("\\|")) {
                    assertTrue(outcomes.contains(outcome),
                            file + " uses outcome " + outcome + ", which the agent does not count: " + outcomes);
                }
            }
        }
    }

    @Test
    void promtoolAcceptsTheRulesAndTheirTestsPass() throws Exception {
        Path promtool = promtool();
        assertEquals("", run(promtool, "check", "rules", RULES.toString()));
        assertEquals("", run(promtool, "test", "rules", RULE_TESTS.toString()));
    }

    /**
     * promtool parses PromQL only in rule files, so the dashboard's queries become recording rules, with
     * Grafana's variables replaced by what Grafana would put there.
     */
    @Test
    void everyDashboardQueryIsValidPromQl(@TempDir Path dir) throws Exception {
        Path promtool = promtool();
        List<String> exprs = new ArrayList<>();
        Matcher m = EXPR.matcher(Files.readString(DASHBOARD));
        while (m.find()) {
            exprs.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\")
                    .replace("$__rate_interval", "2m").replace("$__range", "6h")
                    .replace("$job", ".*").replace("$instance", ".*"));
        }
        assertTrue(exprs.size() >= 10, "found only " + exprs.size() + " queries in " + DASHBOARD);
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < exprs.size(); i++) {
            assertFalse(exprs.get(i).contains("$"), "a Grafana variable this test does not know: " + exprs.get(i));
            rules.append("      - record: dashboard:query").append(i).append("\n        expr: '")
                    .append(exprs.get(i).replace("'", "''")).append("'\n");
        }
        Path file = Files.writeString(dir.resolve("dashboard.rules.yml"), rules);
        assertEquals("", run(promtool, "check", "rules", file.toString()), rules.toString());
    }

    /**
     * promtool from the PATH (Debian's prometheus package; .ci/run installs it). Without it these tests
     * are skipped, saying so, except under CI, where a skip would hide a missing install.
     */
    private static Path promtool() {
        Optional<Path> found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable).findFirst();
        if (found.isEmpty()) {
            if ("true".equals(System.getenv("CI"))) {
                fail("promtool is not installed; .ci/run installs Debian's prometheus package for it");
            }
            String why = "promtool is not installed (Debian: apt install prometheus); etc/monitoring not checked";
            // on the console too (once), as FanoutInteropIT does: a skip seen only in the XML report goes unnoticed
            if (!skipPrinted) {
                skipPrinted = true;
                System.out.println("MonitoringIT skipped: " + why);
            }
            Assumptions.abort(why);
        }
        return found.get();
    }

    /** Runs promtool; returns nothing when it succeeded, else what it printed. */
    private static String run(Path promtool, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return String.join(" ", command) + " did not finish within 60 s";
        }
        return process.exitValue() == 0 ? ""
                : String.join(" ", command) + " exited " + process.exitValue() + ":\n"
                        + new String(output, StandardCharsets.UTF_8);
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(pattern.matcher("").groupCount() > 0 ? 1 : 0));
        }
        return found;
    }
}
