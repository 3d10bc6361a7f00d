package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.harness.LoadTest;
import io.fail2bancluster.harness.NatsServerProcess;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code fail2ban-cluster-loadtest} as a real process, small enough for every build: it must prove every
 * ban ran exactly once on every host. Counts only; speed is for {@code bench/run}.
 */
class LoadTestIT {
    private static final Duration EXIT_WITHIN = Duration.ofSeconds(180);

    @Test
    void twentyHostsOnTwoBrokerProcessesRunEveryBanOncePerHost() {
        try (JavaProcess load = JavaProcess.start("loadtest", LoadTest.class,
                "--hosts", "20", "--servers", "2", "--bans", "200", "--rate", "200", "--warmup", "1", "--json")) {
            assertEquals(0, load.awaitExit(EXIT_WITHIN), load.output());
            String json = lastLine(load);
            // the second of warm-up (200 bans) ran before measuring and is in none of the counts
            assertEquals(200, field(json, "warmup_bans"), json);
            assertTrue(load.stderr().stream().anyMatch(l -> l.contains("warmed up: 4000 executions")), load.output());
            assertEquals(200, field(json, "published"), json);
            assertEquals(200L * 20 * 2, field(json, "expected_received"), json);
            assertEquals(200L * 20 * 2, field(json, "received"), json);
            assertEquals(200L * 20, field(json, "expected_executed"), json);
            assertEquals(200L * 20, field(json, "executed"), json);
            assertEquals(0, field(json, "duplicates"), json);
            assertEquals(0, field(json, "reconnects"), json);
            for (String key : List.of("p50_ms", "p99_ms", "max_ms")) {
                assertTrue(json.contains("\"" + key + "\":"), json);
            }
            assertTrue(load.stderr().stream().anyMatch(l -> l.contains("20 agents connected to 2 server(s)")),
                    load.output());
        }
    }

    @Test
    void attemptsThroughTwoBrokersMakeEveryAgentBanEachAddressOnce() {
        try (JavaProcess load = JavaProcess.start("loadtest", LoadTest.class, "--attempts", "--hosts", "20",
                "--group", "10", "--seconds", "5", "--servers", "2", "--warmup", "1", "--json")) {
            assertEquals(0, load.awaitExit(EXIT_WITHIN), load.output());
            String json = lastLine(load);
            // 20 hosts x 5 s of one report a second; each address reported by 10 hosts: 10 fleet bans
            assertEquals(100, field(json, "published"), json);
            assertEquals(100L * 20 * 2, field(json, "received"), json);
            assertEquals(10L * 20, field(json, "expected_executed"), json);
            assertEquals(10L * 20, field(json, "executed"), json);
            assertEquals(0, field(json, "duplicates"), json);
            assertTrue(load.stderr().stream().anyMatch(l -> l.contains("10 fleet bans; from the deciding attempt's "
                    + "publish to the last agent's action: p50 ")), load.output());
        }
    }

    @Test
    void aServerStartedByHandIsUsedWithServer() {
        try (JavaProcess broker = JavaProcess.start("broker", BrokerMain.class, "--bind=127.0.0.1", "--port=0")) {
            int port = FanoutServer.awaitListeningPort(broker, EXIT_WITHIN);
            try (JavaProcess load = JavaProcess.start("loadtest", LoadTest.class, "--server", "127.0.0.1:" + port,
                    "--hosts", "5", "--bans", "50", "--rate", "100", "--channel", "Bans", "--warmup", "0", "--json")) {
                assertEquals(0, load.awaitExit(EXIT_WITHIN), load.output());
                String json = lastLine(load);
                assertEquals(1, field(json, "servers"), json);
                assertEquals(50L * 5, field(json, "received"), json);
                assertEquals(50L * 5, field(json, "executed"), json);
                assertEquals(0, field(json, "duplicates"), json);
                assertTrue(load.stderr().stream().noneMatch(l -> l.contains("broker 1 listening")),
                        "no broker of its own: " + load.output());
            }
            assertTrue(broker.isAlive(), broker.output());
        }
    }

    @Test
    void onNatsTenHostsRunEveryBanOncePerHost() {
        Assumptions.assumeTrue(NatsServerProcess.binary().isPresent(),
                "nats-server is not installed (apt-get install nats-server)");
        try (JavaProcess load = JavaProcess.start("loadtest", LoadTest.class, "--nats",
                "--hosts", "10", "--bans", "200", "--rate", "200", "--warmup", "1", "--json")) {
            assertEquals(0, load.awaitExit(EXIT_WITHIN), load.output());
            String json = lastLine(load);
            assertEquals(1, field(json, "servers"), json);
            assertEquals(200, field(json, "published"), json);
            assertEquals(200L * 10, field(json, "expected_received"), json);
            assertEquals(200L * 10, field(json, "received"), json);
            assertEquals(200L * 10, field(json, "executed"), json);
            assertEquals(0, field(json, "duplicates"), json);
            assertTrue(load.stderr().stream().anyMatch(l -> l.contains("nats-server -js listening on")), load.output());
        }
    }

    @Test
    void aBadOptionIsAUsageErrorNamingIt() {
        try (JavaProcess load = JavaProcess.start("loadtest", LoadTest.class, "--exec", "maybe")) {
            assertEquals(2, load.awaitExit(EXIT_WITHIN), load.output());
            assertTrue(load.stderr().get(0).contains("--exec: expected recording or real, got maybe"), load.output());
        }
    }

    private static String lastLine(JavaProcess process) {
        List<String> out = process.stdout();
        return out.get(out.size() - 1);
    }

    private static long field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(-?\\d+)[,}]").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Long.parseLong(m.group(1));
    }
}
