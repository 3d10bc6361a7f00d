package io.fail2bancluster.it;

import static io.fail2bancluster.it.Fail2banEndToEndIT.replaceOnce;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.agent.daemon.ControlClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet bans what no host sees enough of. Three real fail2ban servers (A, B, C), each with the shipped
 * jail example's {@code sshd-sensor} jail turned on, reading its own auth.log and reporting each failed login
 * to its own agent with the shipped Python action ({@code report=attempts}); a broker; an agent per host
 * from the shipped config with {@code fleet_ban: {attempts: 6, hosts: 3}} on its channel. The broker is the
 * reference fanout server when {@code -Dfanout.binary} names one.
 *
 * <p>Each host's {@code sshd} jail keeps {@code maxretry = 7}, so no host ever bans on its own here: the only
 * way into a receive jail is the fleet's decision.
 */
class FleetBanIT {
    private static final Path REPO_ETC = Path.of("..", "etc");
    private static final Duration WITHIN = Duration.ofSeconds(60);
    private static final String SENSOR_ACTION = "action   = fail2ban_cluster.py[channel=Fail2ban, report=attempts, jailname=sshd]";
    private static final String SPREAD = "192.0.2.66";
    private static final String ONE_HOST = "198.51.100.5";
    private static final String ONE_HOST_SIX = "198.51.100.6";

    @TempDir
    Path dir;

    private final Resources resources = new Resources();
    private final List<Fail2banInstance> hosts = new ArrayList<>();
    private final List<JavaProcess> agents = new ArrayList<>();

    @BeforeAll
    static void needsFail2ban() {
        Fail2banInstance.assumeInstalled("the fleet ban test");
    }

    @AfterEach
    void closeAll() throws Exception {
        resources.close();
    }

    @Test
    void twoFailuresOnEachOfThreeHostsBanEverywhereAndOneHostsFailuresDoNot() throws Exception {
        // the reference C server when -Dfanout.binary names one, else ours (as CI has it)
        String reference = System.getProperty("fanout.binary", "");
        FanoutServer broker = resources.keep(reference.isBlank() ? FanoutServer.broker()
                : FanoutServer.reference(Path.of(reference)));
        Path client = Fail2banEndToEndIT.clientWrapper(dir);
        for (String name : List.of("hostA", "hostB", "hostC")) {
            hosts.add(host(name, broker.port(), client));
            agents.add(resources.keep(JavaProcess.start("agent " + name, AgentMain.class, "run",
                    "--config=" + dir.resolve(name).resolve("fail2ban-cluster.yml"))));
        }
        for (JavaProcess agent : agents) {
            agent.awaitLine(l -> l.endsWith(": connected"), WITHIN);
        }
        broker.awaitSubscriptions(3);

        // 2 failed logins on each host: 6 across the fleet, from 3 hosts
        long start = System.nanoTime();
        for (Fail2banInstance host : hosts) {
            host.failedLogins(SPREAD, 2);
        }
        awaitOrExplain(() -> hosts.stream().allMatch(h -> h.banned("sshd-cluster").contains(SPREAD)),
                "every host's sshd-cluster to ban " + SPREAD);
        System.out.printf("fleet ban: 2 failed logins on each of 3 hosts -> banned in all 3 receive jails in %d ms"
                + " (includes fail2ban's 1 s log polling)%n", (System.nanoTime() - start) / 1_000_000);
        for (int i = 0; i < hosts.size(); i++) {
            assertEquals(List.of(), hosts.get(i).banned("sshd"), "no host banned it on its own");
            assertEquals(List.of(), hosts.get(i).banned("sshd-sensor"), "the sensor lets every address go");
            assertEquals("1", status(i, "fleet_ban.bans"), agents.get(i).output());
            assertEquals("6", status(i, "fleet_ban.attempts"), "every failure reported and counted once");
            assertEquals(1, Fail2banEndToEndIT.ranFor(agents.get(i), SPREAD), "one action, the ban, on each host");
        }

        // 5, then 6, failed logins on host A only: enough failures, but one host
        hosts.get(0).failedLogins(ONE_HOST, 5);
        hosts.get(0).failedLogins(ONE_HOST_SIX, 6);
        for (int i = 0; i < hosts.size(); i++) {
            int host = i;
            awaitOrExplain(() -> "17".equals(status(host, "fleet_ban.attempts")), "agent " + i + " to count A's 11 reports");
        }
        for (int i = 0; i < hosts.size(); i++) {
            assertEquals(List.of(SPREAD), hosts.get(i).banned("sshd-cluster"), "one host's failures are not the fleet's");
            assertEquals("1", status(i, "fleet_ban.bans"));
            assertEquals("2", status(i, "fleet_ban.tracked"), "both addresses are still counted");
        }
    }

    private Fail2banInstance host(String name, int port, Path client) throws IOException {
        Path hostDir = Files.createDirectories(dir.resolve(name));
        Path agentConfig = hostDir.resolve("fail2ban-cluster.yml");
        String config = replaceOnce(Fail2banEndToEndIT.agentConfig(name, port, hostDir), "        skip_own: true",
                "        fleet_ban: {attempts: 6, hosts: 3, findtime: 600, bantime: 600}\n        skip_own: true");
        Files.writeString(agentConfig, config);
        String options = ", socket=" + hostDir.resolve("control.sock") + ", source=" + name + "]";
        String announce = "         fail2ban_cluster.py[channel=Fail2ban" + options + "\n";
        String sensor = SENSOR_ACTION.substring(0, SENSOR_ACTION.length() - 1) + options;
        // the example is installed as jail.d/*.local, which fail2ban reads after jail.local: edited in place
        Fail2banInstance f2b = resources.keep(Fail2banInstance.create(name, hostDir, REPO_ETC, "source = " + name,
                jail -> {
                    String edited = replaceOnce(jail, Fail2banEndToEndIT.PYTHON_ACTION, announce);
                    edited = replaceOnce(edited, SENSOR_ACTION, sensor);
                    edited = replaceOnce(edited, "enabled  = false", "enabled  = true");
                    return replaceOnce(edited, "logpath  = %(sshd_log)s\nbackend  = %(sshd_backend)s",
                            "logpath  = " + hostDir.resolve("auth.log") + "\nbackend  = polling");
                }));
        Path jailLocal = hostDir.resolve("conf/jail.local");
        Files.writeString(jailLocal, replaceOnce(Files.readString(jailLocal), "maxretry = 2", "maxretry = 7"));
        f2b.start();
        Files.writeString(agentConfig, Files.readString(agentConfig).replace("@SOCKET@", f2b.socket().toString()));
        return f2b;
    }

    /** One field of host {@code i}'s agent's {@code status}. */
    private String status(int i, String field) throws IOException {
        return ControlClient.request(dir.resolve(List.of("hostA", "hostB", "hostC").get(i)).resolve("control.sock"),
                "status").field(field).orElseThrow(() -> new AssertionError("status has no " + field));
    }

    private void awaitOrExplain(java.util.concurrent.Callable<Boolean> condition, String what) {
        try {
            await().atMost(WITHIN).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(condition);
        } catch (ConditionTimeoutException e) {
            StringBuilder logs = new StringBuilder();
            hosts.forEach(h -> logs.append(h.diagnostics()));
            agents.forEach(a -> logs.append(a.output()).append('\n'));
            throw new AssertionError("waited " + WITHIN + " for " + what + "\n" + logs, e);
        }
    }
}
