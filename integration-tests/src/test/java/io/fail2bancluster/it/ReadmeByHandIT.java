package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.client.ClientMain;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "By hand" section, run as written by a user who is not root: its config and its commands are read
 * from README.md (only {@code /tmp/quick} becomes a private folder and port 1986 a free one). The agent runs,
 * the publish runs its action, {@code status} and {@code stop} reach it, and nothing of it is left under /run or
 * /var/lib. Run as root, the commands run as {@code nobody} through setpriv(1), with a copy of the class path
 * that nobody can read; run as another user, as that user.
 */
class ReadmeByHandIT {
    private static final Path README = Path.of("..", "README.md");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Map<String, Class<?>> PROGRAMS = Map.of("bin/fail2ban-cluster-broker", BrokerMain.class,
            "bin/fail2ban-clusterd", AgentMain.class, "bin/fail2ban-cluster-client", ClientMain.class);
    private static final List<Path> SYSTEM_FOLDERS = List.of(Path.of("/run"), Path.of("/var/lib"));

    @TempDir
    Path tmp;

    @Test
    void theByHandConfigRunsIsStatusedAndStoppedByAUserWhoIsNotRootAndLeavesNothingInTheSystemsFolders()
            throws Exception {
        String section = section(Files.readString(README, StandardCharsets.UTF_8));
        String config = heredoc(section);
        for (String line : config.split("\n")) {
            assertFalse(line.contains("/run") || line.contains("/var/lib"), "a system path in the README: " + line);
        }
        assertTrue(config.contains("control_socket: /tmp/quick/") && config.contains("state_dir: /tmp/quick/"),
                "the README's config sets its own socket and state folder:\n" + config);
        List<List<String>> commands = commands(section);
        assertEquals(5, commands.size(), "broker, agent, client, status, stop: " + commands);

        User user = User.notRoot(tmp);
        Path quick = tmp.resolve("quick");
        user.ownedFolder(quick);
        int port = Cluster.unusedPort();
        String yaml = config.replace("/tmp/quick", quick.toString())
                .replace("  - host: 127.0.0.1\n", "  - host: 127.0.0.1\n    port: " + port + "\n");
        Path agentYml = quick.resolve("agent.yml");
        Files.writeString(agentYml, yaml);
        user.own(agentYml);
        Set<String> ownedBefore = user.ownedUnder(SYSTEM_FOLDERS);
        boolean runExisted = Files.exists(Path.of("/run/fail2ban-cluster"));
        boolean libExisted = Files.exists(Path.of("/var/lib/fail2ban-cluster"));

        List<JavaProcess> started = new ArrayList<>();
        try {
            JavaProcess broker = user.run(adapt(commands.get(0), quick, port), started);
            broker.awaitLineContaining("listening on", WAIT);
            JavaProcess agent = user.run(adapt(commands.get(1), quick, port), started);
            agent.awaitLineContaining(": connected", WAIT);
            assertFalse(agent.output().contains("control socket") || agent.output().contains("no outbox"),
                    "no warning about the control socket or the outbox:\n"
                    + agent.output());

            JavaProcess client = user.run(adapt(commands.get(2), quick, port), started);
            assertEquals(0, client.awaitExit(WAIT), client.output());
            await().atMost(WAIT).until(() -> Files.exists(quick.resolve("banned-192.0.2.7")));
            assertEquals(user.name, Files.getOwner(quick.resolve("banned-192.0.2.7")).getName(),
                    "the action ran as the user who started the agent");

            JavaProcess status = user.run(adapt(commands.get(3), quick, port), started);
            assertEquals(0, status.awaitExit(WAIT), status.output());
            assertTrue(status.output().contains("running (pid " + agent.pid() + ")"), status.output());
            assertTrue(status.output().contains("server 127.0.0.1:" + port + ": connected"), status.output());

            JavaProcess stop = user.run(adapt(commands.get(4), quick, port), started);
            assertEquals(0, stop.awaitExit(WAIT), stop.output());
            assertTrue(stop.output().contains("stopped (pid " + agent.pid() + ")"), stop.output());
            assertEquals(0, agent.awaitExit(WAIT), agent.output());
            assertFalse(Files.exists(quick.resolve("control.sock")), "the socket goes with the agent");
        } finally {
            started.forEach(JavaProcess::close);
        }
        assertEquals(ownedBefore, user.ownedUnder(SYSTEM_FOLDERS), "files of " + user.name + " under /run, /var/lib");
        assertEquals(runExisted, Files.exists(Path.of("/run/fail2ban-cluster")));
        assertEquals(libExisted, Files.exists(Path.of("/var/lib/fail2ban-cluster")));
    }

    /** From "## By hand" up to the next section. */
    private static String section(String readme) {
        int start = readme.indexOf("## By hand");
        assertTrue(start >= 0, "README.md has no '## By hand' section");
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    /** The text of the section's {@code cat > ... <<'EOF'} here-document. */
    private static String heredoc(String section) {
        int start = section.indexOf("<<'EOF'\n");
        int end = section.indexOf("\nEOF\n", start);
        assertTrue(start >= 0 && end > start, "no <<'EOF' here-document in the By hand section");
        return section.substring(start + "<<'EOF'\n".length(), end + 1);
    }

    /** The commands of the section's shell blocks that run one of our programs, split into words. */
    private static List<List<String>> commands(String section) {
        List<List<String>> commands = new ArrayList<>();
        boolean inShell = false;
        for (String line : section.split("\n")) {
            if (line.startsWith("```")) {
                inShell = !inShell && line.equals("```sh");
            } else if (inShell && line.startsWith("bin/")) {
                commands.add(DemoIT.shellWords(line));
            }
        }
        return commands;
    }

    /** The README's words with this test's folder and port: its own folder, a port no other test uses. */
    private static List<String> adapt(List<String> words, Path quick, int port) {
        List<String> adapted = new ArrayList<>();
        for (String word : words) {
            adapted.add(word.equals("1986") ? Integer.toString(port) : word.replace("/tmp/quick", quick.toString()));
        }
        if (words.get(0).equals("bin/fail2ban-cluster-client")) {
            adapted.addAll(List.of("-p", Integer.toString(port)));
        }
        return adapted;
    }

    /** Who runs the commands: this user when it is not root, else nobody through setpriv. */
    private static final class User {
        final String name;
        final String uid;
        /** What comes before the java command: setpriv for nobody, nothing for this user. */
        final List<String> prefix;
        final String classPath;
        final Path home;

        private User(String name, String uid, List<String> prefix, String classPath, Path home) {
            this.name = name;
            this.uid = uid;
            this.prefix = prefix;
            this.classPath = classPath;
            this.home = home;
        }

        static User notRoot(Path tmp) throws IOException, InterruptedException {
            String uid = output(List.of("id", "-u")).trim();
            Path home = tmp.resolve("home");
            if (!uid.equals("0")) {
                Files.createDirectories(home);
                return new User(System.getProperty("user.name"), uid, List.of(), System.getProperty("java.class.path"),
                        home);
            }
            String why = null;
            if (!Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
                why = "running as root, and setpriv (util-linux) is not installed to run the commands as nobody";
            } else if (!output(List.of("id", "-u", "nobody")).trim().matches("\\d+")) {
                why = "running as root, and there is no user nobody to run the commands as";
            }
            if (why != null) {
                System.out.println("ReadmeByHandIT skipped: " + why);
                Assumptions.abort(why);
            }
            // nobody must reach the folder, the class path and its home
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            User nobody = new User("nobody", output(List.of("id", "-u", "nobody")).trim(),
                    List.of("/usr/bin/setpriv", "--reuid=nobody", "--regid=" + output(List.of("id", "-g", "nobody")).trim(),
                            "--clear-groups", "--"),
                    readableCopy(tmp.resolve("classpath")), home);
            nobody.ownedFolder(home);
            return nobody;
        }

        /** The class path copied where nobody can read it (a Maven repository under /root or mode 0750 is not). */
        private static String readableCopy(Path dir) throws IOException {
            Files.createDirectories(dir);
            List<String> entries = new ArrayList<>();
            int n = 0;
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path from = Path.of(entry);
                if (!Files.exists(from)) {
                    continue;
                }
                Path to = dir.resolve(n++ + (Files.isDirectory(from) ? "" : ".jar"));
                if (Files.isDirectory(from)) {
                    try (Stream<Path> tree = Files.walk(from)) {
                        for (Path p : tree.toList()) {
                            Path target = to.resolve(from.relativize(p).toString());
                            if (Files.isDirectory(p)) {
                                Files.createDirectories(target);
                            } else {
                                Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                            }
                        }
                    }
                } else {
                    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
                }
                entries.add(to.toString());
            }
            try (Stream<Path> tree = Files.walk(dir)) {
                for (Path p : tree.toList()) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                            Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
            return String.join(File.pathSeparator, entries);
        }

        void ownedFolder(Path folder) throws IOException {
            Files.createDirectories(folder);
            own(folder);
        }

        void own(Path path) throws IOException {
            if (!prefix.isEmpty()) {
                UserPrincipal principal = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
                Files.setOwner(path, principal);
            }
        }

        /** The README's command as this user, in a clean environment: a session without $XDG_RUNTIME_DIR. */
        JavaProcess run(List<String> words, List<JavaProcess> started) {
            Class<?> main = PROGRAMS.get(words.get(0));
            List<String> command = new ArrayList<>(prefix);
            command.addAll(List.of("env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + home, "LANG=C.UTF-8"));
            command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                    "-Dio.netty.jfr.enabled=false", "-cp", classPath, main.getName()));
            command.addAll(words.subList(1, words.size()));
            JavaProcess process = JavaProcess.startCommand(words.get(0).substring("bin/".length()), command, null);
            started.add(process);
            return process;
        }

        /** The files of this user under {@code folders} (what find can see). */
        Set<String> ownedUnder(List<Path> folders) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of("find"));
            folders.forEach(f -> command.add(f.toString()));
            command.addAll(List.of("-xdev", "-user", uid));
            return new TreeSet<>(List.of(output(command).split("\n")));
        }

        private static String output(List<String> command) throws IOException, InterruptedException {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(command + " did not finish within 60 s");
            }
            return new String(out, StandardCharsets.UTF_8);
        }
    }
}
