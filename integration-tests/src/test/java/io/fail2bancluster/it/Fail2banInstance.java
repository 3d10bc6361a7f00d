package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;

/**
 * One real fail2ban server (Debian's {@code fail2ban} package) with a private config directory, socket,
 * pid file, log and in-memory database, so several run side by side without root-owned paths or a
 * firewall. Its config is Debian's {@code jail.conf} and filters, plus our shipped action and jail example
 * as an operator would install them, plus a {@code jail.local} of test settings (the {@code dummy}
 * banaction, which only writes to a file, and host-specific paths).
 */
final class Fail2banInstance implements AutoCloseable {
    static final Path SYSTEM_CONFIG = Path.of("/etc/fail2ban");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    /** auth.log's time stamps: {@code Nov  5 17:14:54} (fail2ban reads them as local time). */
    private static final DateTimeFormatter SYSLOG_TIME = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT);

    private final String name;
    private final Path dir;
    private final Path socket;
    private final Path authLog;
    private Process server;

    private Fail2banInstance(String name, Path dir) {
        this.name = name;
        this.dir = dir;
        this.socket = dir.resolve("fail2ban.sock");
        this.authLog = dir.resolve("auth.log");
    }

    /** Whether the tools this needs are on this machine (CI installs them; a dev box may not have them). */
    static boolean installed() {
        return onPath("fail2ban-server") && onPath("fail2ban-client")
                && Files.isRegularFile(SYSTEM_CONFIG.resolve("jail.conf"))
                && Files.isRegularFile(SYSTEM_CONFIG.resolve("action.d/dummy.conf"));
    }

    /** Skips the calling test class where fail2ban is missing, saying so. */
    static void assumeInstalled(String what) {
        Assumptions.assumeTrue(installed(), "fail2ban is not installed (apt-get install fail2ban; .ci/run does):"
                + " skipping " + what + " with real fail2ban servers");
    }

    private static boolean onPath(String program) {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, program))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Lays out the config directory.
     *
     * @param repoEtc     the repository's {@code etc/}: the shipped action and jail example are installed from it
     * @param clusterInit lines for {@code action.d/fail2ban-cluster.local}'s {@code [Init]}, as an operator
     *                    customises the shipped action (client path, config, source)
     */
    static Fail2banInstance create(String name, Path dir, Path repoEtc, String clusterInit) throws IOException {
        return create(name, dir, repoEtc, clusterInit, UnaryOperator.identity());
    }

    /**
     * As {@link #create(String, Path, Path, String)}, with the shipped jail example edited by {@code jailExample}
     * before it is installed (to give the Python action this host's socket and source, which it takes on
     * its action line only).
     */
    static Fail2banInstance create(String name, Path dir, Path repoEtc, String clusterInit,
                                   UnaryOperator<String> jailExample) throws IOException {
        Fail2banInstance instance = new Fail2banInstance(name, dir);
        Path conf = dir.resolve("conf");
        Files.createDirectories(conf.resolve("action.d"));
        Files.createDirectories(conf.resolve("jail.d"));
        for (String file : List.of("fail2ban.conf", "jail.conf", "paths-common.conf", "paths-debian.conf")) {
            Files.copy(SYSTEM_CONFIG.resolve(file), conf.resolve(file));
        }
        Files.createSymbolicLink(conf.resolve("filter.d"), SYSTEM_CONFIG.resolve("filter.d"));
        Files.copy(SYSTEM_CONFIG.resolve("action.d/dummy.conf"), conf.resolve("action.d/dummy.conf"));
        Files.copy(repoEtc.resolve("fail2ban/action.d/fail2ban-cluster.conf"),
                conf.resolve("action.d/fail2ban-cluster.conf"));
        Files.copy(repoEtc.resolve("fail2ban/action.d/fail2ban_cluster.py"), conf.resolve("action.d/fail2ban_cluster.py"));
        // installed as the example says: copied to a name fail2ban reads
        Files.writeString(conf.resolve("jail.d/fail2ban-cluster.local"), jailExample.apply(
                Files.readString(repoEtc.resolve("fail2ban/jail.d/fail2ban-cluster.conf.example"))));
        Files.writeString(conf.resolve("action.d/fail2ban-cluster.local"), "[Init]\n" + clusterInit + "\n");
        Files.writeString(conf.resolve("action.d/dummy.local"), "[Init]\ntarget = " + dir.resolve("dummy-bans") + "\n");
        Files.writeString(conf.resolve("fail2ban.local"), """
                [Definition]
                loglevel = INFO
                logtarget = %s
                dbfile = :memory:
                """.formatted(dir.resolve("fail2ban.log")));
        Files.writeString(conf.resolve("jail.local"), """
                [DEFAULT]
                banaction = dummy
                banaction_allports = dummy

                [sshd]
                enabled  = true
                backend  = polling
                logpath  = %s
                maxretry = 2
                findtime = 10m
                """.formatted(instance.authLog));
        Files.createFile(instance.authLog);
        return instance;
    }

    /** Starts the server in the foreground (so the test owns the process) and waits until it answers. */
    void start() throws IOException {
        Path conf = dir.resolve("conf");
        server = new ProcessBuilder("fail2ban-server", "-f", "-x", "-c", conf.toString(), "-s", socket.toString(),
                "-p", dir.resolve("fail2ban.pid").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("fail2ban-server.out").toFile())
                .start();
        try {
            // until the socket is up, fail2ban-client fails: that is what is being waited out
            await().atMost(COMMAND_TIMEOUT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> server.isAlive() && client("status").contains("sshd-cluster"));
        } catch (RuntimeException e) {
            throw new AssertionError(name + ": fail2ban did not start with both jails (" + e.getMessage() + ")\n"
                    + diagnostics(), e);
        }
    }

    /** Appends sshd "Failed password" lines for {@code ip}, as sshd would write them to auth.log. */
    void failedLogins(String ip, int count) throws IOException {
        StringBuilder lines = new StringBuilder();
        String now = LocalDateTime.now().format(SYSLOG_TIME);
        for (int i = 0; i < count; i++) {
            lines.append(now).append(" ").append(name).append(" sshd[").append(4000 + i)
                    .append("]: Failed password for invalid user admin from ").append(ip)
                    .append(" port ").append(50000 + i).append(" ssh2\n");
        }
        Files.writeString(authLog, lines, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /** The addresses a jail has banned now, as {@code fail2ban-client get JAIL banned} lists them. */
    List<String> banned(String jail) {
        String out = client("get", jail, "banned").trim();
        // a Python list: ['192.0.2.7', '198.51.100.1'] or []
        List<String> addresses = new ArrayList<>();
        for (String item : out.replaceAll("[\\[\\]' ]", "").split(",")) {
            if (!item.isEmpty()) {
                addresses.add(item);
            }
        }
        return addresses;
    }

    Path socket() {
        return socket;
    }

    /** Runs {@code fail2ban-client -s SOCKET args...}; returns its output, failing on a non-zero exit. */
    String client(String... args) {
        List<String> command = new ArrayList<>(List.of("fail2ban-client", "-s", socket.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(name + ": " + command + " did not finish");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(name + ": " + command + " exited " + p.exitValue() + ": " + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException(name + ": cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** fail2ban's own log and output, for a failure message. */
    String diagnostics() {
        StringBuilder text = new StringBuilder();
        for (String file : List.of("fail2ban-server.out", "fail2ban.log")) {
            Path path = dir.resolve(file);
            try {
                text.append("--- ").append(name).append(' ').append(file).append(" ---\n")
                        .append(Files.exists(path) ? Files.readString(path) : "(none)\n");
            } catch (IOException e) {
                text.append("(unreadable: ").append(e.getMessage()).append(")\n");
            }
        }
        return text.toString();
    }

    @Override
    public void close() {
        if (server == null || !server.isAlive()) {
            return;
        }
        try {
            client("stop");
            if (!server.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        } catch (RuntimeException e) {
            server.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.destroyForcibly();
        }
    }
}
