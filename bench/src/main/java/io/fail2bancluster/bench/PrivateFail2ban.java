package io.fail2bancluster.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real fail2ban (Debian's {@code fail2ban-server}) on a private config, socket and in-memory database, with
 * one receive-only jail whose ban action is fail2ban's {@code dummy} (it writes each address to a file): the
 * fail2ban that the bulk-apply and catch-up benches hand bans to, timed until {@code get JAIL banned} lists
 * them.
 */
final class PrivateFail2ban implements AutoCloseable {
    static final Path SERVER = Path.of("/usr/bin/fail2ban-server");
    /** How often {@link #secondsUntilBanned} asks; each question is a {@code fail2ban-client} process. */
    private static final long POLL_MILLIS = 200;
    /** Bans that stop coming in for this long will not come: some were lost on the way. */
    private static final long STALLED_SECONDS = 120;

    private final Path dir;
    private final String jail;
    private final Process server;

    private PrivateFail2ban(Path dir, String jail, Process server) {
        this.dir = dir;
        this.jail = jail;
        this.server = server;
    }

    static boolean installed() {
        return Files.isExecutable(SERVER);
    }

    static PrivateFail2ban start(Path dir, String jail) throws Exception {
        Path conf = dir.resolve("conf");
        Files.createDirectories(conf.resolve("action.d"));
        Path system = Path.of("/etc/fail2ban");
        for (String file : List.of("fail2ban.conf", "jail.conf", "paths-common.conf", "paths-debian.conf")) {
            Files.copy(system.resolve(file), conf.resolve(file));
        }
        Files.createSymbolicLink(conf.resolve("filter.d"), system.resolve("filter.d"));
        Files.copy(system.resolve("action.d/dummy.conf"), conf.resolve("action.d/dummy.conf"));
        Files.writeString(conf.resolve("action.d/dummy.local"), "[Init]\ntarget = " + dir.resolve("dummy-bans") + "\n");
        Files.writeString(conf.resolve("fail2ban.local"), "[Definition]\nloglevel = WARNING\nlogtarget = "
                + dir.resolve("fail2ban.log") + "\ndbfile = :memory:\n");
        Files.writeString(conf.resolve("jail.local"), """
                [DEFAULT]
                banaction = dummy
                banaction_allports = dummy
                [sshd]
                enabled = false
                [%s]
                enabled = true
                filter =
                backend = polling
                port = ssh
                bantime = 1h
                action = %%(action_)s
                """.formatted(jail));
        Process server = new ProcessBuilder(SERVER.toString(), "-f", "-x", "-c", conf.toString(), "-s",
                dir.resolve("fail2ban.sock").toString(), "-p", dir.resolve("fail2ban.pid").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("server.out").toFile()).start();
        PrivateFail2ban instance = new PrivateFail2ban(dir, jail, server);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                if (instance.client("status").contains(jail)) {
                    return instance;
                }
            } catch (IllegalStateException notYet) {
                // the socket is not up yet
            }
            if (!server.isAlive() || System.nanoTime() - deadline > 0) {
                instance.close();
                throw new IllegalStateException("fail2ban did not start; see " + dir.resolve("server.out"));
            }
            Thread.sleep(200);
        }
    }

    Path socket() {
        return dir.resolve("fail2ban.sock");
    }

    /** Lifts every ban of the jail (the dummy action's flush: one command, not one per address). */
    void unbanAll() throws InterruptedException {
        client("unban", "--all");
    }

    int bannedCount() throws InterruptedException {
        String out = client("get", jail, "banned").trim();
        return out.equals("[]") ? 0 : out.split(",").length;
    }

    /**
     * Asks {@code get JAIL banned} every {@value #POLL_MILLIS} ms until it lists {@code bans} addresses;
     * returns the seconds since {@code startNanos} (a {@link System#nanoTime()}).
     */
    double secondsUntilBanned(long startNanos, int bans, long giveUpSeconds) throws InterruptedException {
        long deadline = startNanos + TimeUnit.SECONDS.toNanos(giveUpSeconds);
        long lastChange = System.nanoTime();
        int last = -1;
        int banned;
        while ((banned = bannedCount()) < bans) {
            long now = System.nanoTime();
            if (banned != last) {
                last = banned;
                lastChange = now;
            }
            if (now - deadline > 0 || (banned > 0 && now - lastChange > TimeUnit.SECONDS.toNanos(STALLED_SECONDS))) {
                throw new IllegalStateException("fail2ban holds " + banned + " of " + bans + " bans "
                        + (now - deadline > 0 ? "after " + giveUpSeconds + " s" : "and no more for " + STALLED_SECONDS + " s"));
            }
            Thread.sleep(POLL_MILLIS);
        }
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** {@code fail2ban-client -s SOCKET args...}; its output, or an exception when it does not exit 0. */
    String client(String... args) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of("fail2ban-client", "-s", socket().toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(command.subList(0, Math.min(command.size(), 8)) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(command.subList(0, Math.min(command.size(), 8)) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            client("stop");
        } catch (IllegalStateException alreadyGone) {
            // nothing to stop
        }
        if (!server.waitFor(30, TimeUnit.SECONDS)) {
            server.destroyForcibly();
        }
    }
}
