package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.daemon.ControlClient;
import io.fail2bancluster.agent.daemon.ControlReply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Catch-up over fanout, from the fleet itself: hosts that were away (a broker restart, an agent stopped, a
 * new host) get the bans they missed from the others, each once, over a fanout server that stores nothing.
 * Against the reference C server with {@code -Dfanout.binary=/path/to/fanout}, else against our broker.
 * Each host is a real agent whose bans are handed to it over its control socket, as fail2ban's action does,
 * and whose action writes down what it ran.
 */
class FanoutCatchUpIT {
    private static final Duration WITHIN = Duration.ofSeconds(60);
    /** Longer than the slowest answer (1.5 s + 1.5 s) and the rate limit (5 s): nothing more can come. */
    private static final Duration SETTLE = Duration.ofSeconds(8);

    @TempDir
    Path dir;

    private final Resources resources = new Resources();
    private final List<Host> hosts = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        hosts.forEach(Host::close);
        resources.close();
    }

    @Test
    void afterABrokerRestartEveryHostGetsEveryOtherHostsOutageBansOnce() throws Exception {
        FanoutServer broker = resources.keep(FanoutServer.underTest(0));
        int port = broker.port();
        List<Host> three = List.of(host("web1", port), host("web2", port), host("web3", port));
        three.forEach(Host::awaitConnected);
        broker.kill();
        Map<Host, List<String>> made = new HashMap<>();
        for (int h = 0; h < three.size(); h++) {
            made.put(three.get(h), addresses("10.0." + (h + 1) + ".", 10));
            for (String ip : made.get(three.get(h))) {
                three.get(h).ban(ip, 600);
            }
        }
        Thread.sleep(3000); // the outage: nothing to wait for but time
        resources.keep(FanoutServer.underTest(port));
        for (Host host : three) {
            for (Host other : three) {
                if (other != host) {
                    host.awaitRan(made.get(other));
                }
            }
        }
        for (Host host : three) {
            host.settled();
        }
        for (Host host : three) {
            for (Host other : three) {
                for (String ip : made.get(other)) {
                    assertEquals(other == host ? 0 : 1, host.runs("banip", ip), host + " ran " + ip + "\n" + host.log());
                }
            }
        }
        printTraffic("broker restart, 3 hosts x 10 bans", three);
    }

    @Test
    void anAgentStoppedWhileBansWereMadeRunsExactlyThoseStillInForce() throws Exception {
        FanoutServer broker = resources.keep(FanoutServer.underTest(0));
        Host origin = host("web1", broker.port());
        Host away = host("web2", broker.port());
        origin.awaitConnected();
        away.awaitConnected();
        away.stop();
        List<String> inForce = addresses("10.1.0.", 20);
        List<String> expiring = addresses("10.1.1.", 5);
        List<String> unbanned = addresses("10.1.2.", 5);
        inForce.forEach(ip -> origin.ban(ip, 600));
        expiring.forEach(ip -> origin.ban(ip, 2));
        unbanned.forEach(ip -> origin.ban(ip, 600));
        unbanned.forEach(origin::unban);
        Thread.sleep(3000); // the 2 s bans end while the agent is away
        away.start(broker.port());
        away.awaitRan(inForce);
        away.agent.process().awaitLineContaining("caught up 20 bans from the fleet in", WITHIN);
        away.settled();
        assertEquals(20, away.ran().size(), "exactly the 20 in force ran: " + away.ran());
        for (String ip : inForce) {
            assertEquals(1, away.runs("banip", ip), ip);
        }
        printTraffic("agent away while 20 + 5 expiring + 5 unbanned were made", List.of(origin, away));
    }

    @Test
    void aFreshHostGetsTheOriginatorsBansFromOtherHostsWhileTheOriginatorIsDown() throws Exception {
        FanoutServer broker = resources.keep(FanoutServer.underTest(0));
        Host origin = host("web1", broker.port());
        List<Host> holders = List.of(host("web2", broker.port()), host("web3", broker.port()),
                host("web4", broker.port()));
        origin.awaitConnected();
        holders.forEach(Host::awaitConnected);
        List<String> bans = addresses("10.2.0.", 15);
        bans.forEach(ip -> origin.ban(ip, 600));
        holders.forEach(h -> h.awaitRan(bans));
        origin.stop();
        Host fresh = host("web5", broker.port());
        try {
            fresh.awaitRan(bans);
        } catch (AssertionError e) {
            for (Host h : holders) {
                System.out.println("=== " + h + ", which holds the bans:\n" + h.log());
            }
            throw e;
        }
        fresh.settled();
        for (String ip : bans) {
            assertEquals(1, fresh.runs("banip", ip), ip + "\n" + fresh.log());
        }
        long reannounced = 0;
        for (Host holder : holders) {
            reannounced += holder.status("catch_up.reannounced");
        }
        System.out.printf("FanoutCatchUpIT: %s: a fresh host, origin down: %d bans announced again by 3 holders "
                + "for 15 bans%n", FanoutServer.underTestName(), reannounced);
        assertTrue(reannounced >= 15 && reannounced <= 2 * 15, "about once each, got " + reannounced);
    }

    @Test
    void aRequestReplayedAHundredTimesCostsAtMostTwoAnswersPerBan() throws Exception {
        FanoutServer broker = resources.keep(FanoutServer.underTest(0));
        Host origin = host("web1", broker.port());
        Host holder = host("web2", broker.port());
        origin.awaitConnected();
        holder.awaitConnected();
        List<String> bans = addresses("10.3.0.", 20);
        bans.forEach(ip -> origin.ban(ip, 600));
        holder.awaitRan(bans);
        try (RawSubscriber replayer = new RawSubscriber(broker.port(), "Fail2ban")) {
            for (int i = 0; i < 100; i++) {
                replayer.announce("Fail2ban", "action=catchup, source=intruder, since=0");
            }
            Thread.sleep(SETTLE.toMillis());
            String traffic = replayer.receivedUntilPingReply();
            long answers = traffic.lines().filter(l -> l.contains("catchup=")).count();
            System.out.printf("FanoutCatchUpIT: %s: 100 replayed requests, 20 bans in force: %d answers on the "
                    + "channel (bound: 2 per ban per 5 s of replay)%n", FanoutServer.underTestName(), answers);
            assertTrue(answers >= 20 && answers <= 40, answers + " answers:\n" + traffic);
        }
    }

    @Test
    void onASignedChannelAnswersAreSignedAndAForgedOrReplayedRequestGetsNone() throws Exception {
        Path key = dir.resolve("Fail2ban.key");
        Files.writeString(key, "a shared secret for the whole fleet\n");
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        FanoutServer broker = resources.keep(FanoutServer.underTest(0));
        Host origin = host("web1", broker.port(), key);
        Host away = host("web2", broker.port(), key);
        origin.awaitConnected();
        away.awaitConnected();
        away.stop();
        List<String> bans = addresses("10.4.0.", 10);
        bans.forEach(ip -> origin.ban(ip, 600));
        // handed over is not yet announced: the wire listens from when the server confirmed the last one
        await().atMost(WITHIN).until(() -> origin.status("outbox.depth") == 0);
        try (RawSubscriber wire = new RawSubscriber(broker.port(), "Fail2ban")) {
            away.start(broker.port(), key);
            away.awaitRan(bans);
            away.settled();
            String traffic = wire.receivedUntilPingReply();
            String request = traffic.lines().filter(l -> l.contains("action=catchup, source=web2")).findFirst()
                    .orElseThrow(() -> new AssertionError("no request from web2 in:\n" + traffic));
            assertTrue(request.contains(", sig="), request);
            assertTrue(traffic.lines().filter(l -> l.contains("catchup=web1")).allMatch(l -> l.contains(", sig=")),
                    traffic);
            String signed = request.substring(request.indexOf('!') + 1);
            for (int i = 0; i < 50; i++) {
                wire.announce("Fail2ban", signed); // a captured request, replayed
                wire.announce("Fail2ban", "action=catchup, source=intruder, since=0"); // forged: not signed
            }
            Thread.sleep(SETTLE.toMillis()); // what would come, would come by now
            String after = wire.receivedUntilPingReply();
            assertEquals(0, after.lines().filter(l -> l.contains("catchup=")).count(), after);
        }
        assertEquals(10, away.ran().size(), away.ran().toString());
        assertTrue(origin.log().contains("rejected"), "the forged and replayed requests are rejected, and said so");
    }

    private void printTraffic(String what, List<Host> all) throws IOException {
        long requests = 0;
        long reannounced = 0;
        long recovered = 0;
        for (Host host : all) {
            requests += host.status("catch_up.requests_sent");
            reannounced += host.status("catch_up.reannounced");
            recovered += host.status("catch_up.recovered");
        }
        System.out.printf("FanoutCatchUpIT: %s: %s: %d requests, %d bans announced again, %d recovered%n",
                FanoutServer.underTestName(), what, requests, reannounced, recovered);
    }

    private static List<String> addresses(String prefix, int count) {
        List<String> ips = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            ips.add(prefix + i);
        }
        return ips;
    }

    private Host host(String name, int port) throws IOException {
        return host(name, port, null);
    }

    /** @param key the channel's secret file, or null for an unsigned channel */
    private Host host(String name, int port, Path key) throws IOException {
        Host host = new Host(name, Files.createDirectories(dir.resolve(name)));
        hosts.add(host);
        host.start(port, key);
        return host;
    }

    /** One host: its agent, its control socket, and the record of what its action ran. */
    private static final class Host {
        final String name;
        final Path home;
        final Path record;
        AgentProcess agent;

        Host(String name, Path home) {
            this.name = name;
            this.home = home;
            this.record = home.resolve("ran");
        }

        void start(int port) throws IOException {
            start(port, null);
        }

        void start(int port, Path key) throws IOException {
            String signed = key == null ? "" : "\n        secret_files: [" + key + "]\n        require_signature: true";
            Path script = Files.writeString(home.resolve("record.sh"), "echo \"$1 $2\" >> '" + record + "'\n");
            agent = AgentProcess.start(home, """
                    servers:
                      - host: 127.0.0.1
                        port: %d
                        ping_timeout: 5
                        channels:
                          - name: Fail2ban
                            action: "/bin/sh %s %%action%% %%ip%%"
                            filter:
                              - key: action
                                values: [banip, unbanip]
                            skip_own: true%s
                    hostname: %s
                    reconnect_min: 0.2
                    reconnect_max: 1
                    log_level: 2
                    """.formatted(port, script, signed, name));
        }

        void awaitConnected() {
            await().atMost(WITHIN).pollInterval(Duration.ofMillis(50)).until(() -> "connected".equals(agent.server0("state")));
        }

        /** Stops the agent as systemd does (SIGTERM) and waits for it to exit. */
        void stop() {
            agent.process().terminate();
            agent.process().awaitExit(WITHIN);
        }

        void ban(String ip, int bantime) {
            publish("jail=sshd, action=banip, ip=" + ip + ", source=" + name + ", bantime=" + bantime);
        }

        void unban(String ip) {
            publish("jail=sshd, action=unbanip, ip=" + ip + ", source=" + name);
        }

        private void publish(String message) {
            try {
                ControlReply reply = ControlClient.request(home.resolve("control.sock"), "publish Fail2ban " + message);
                assertTrue(reply.isOk(), reply.toString());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        List<String> ran() {
            try {
                return Files.exists(record) ? Files.readAllLines(record) : List.of();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        /** Until its action ran nothing more for {@link #SETTLE}: every answer that was coming came. */
        void settled() {
            int[] last = {-1};
            await().during(SETTLE).atMost(SETTLE.multipliedBy(4)).pollInterval(Duration.ofMillis(250)).until(() -> {
                int now = ran().size();
                boolean same = now == last[0];
                last[0] = now;
                return same;
            });
        }

        long runs(String action, String ip) {
            return ran().stream().filter((action + " " + ip)::equals).count();
        }

        void awaitRan(List<String> ips) {
            try {
                await().atMost(WITHIN).pollInterval(Duration.ofMillis(100))
                        .until(() -> ips.stream().allMatch(ip -> runs("banip", ip) > 0));
            } catch (ConditionTimeoutException e) {
                throw new AssertionError(name + " never ran all of " + ips + "; it ran " + ran() + "\n" + log(), e);
            }
        }

        long status(String field) throws IOException {
            return Long.parseLong(ControlClient.request(home.resolve("control.sock"), "status").field(field)
                    .orElseThrow(() -> new AssertionError(name + ": no " + field)));
        }

        String log() {
            return agent.output();
        }

        void close() {
            if (agent != null) {
                agent.close();
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
