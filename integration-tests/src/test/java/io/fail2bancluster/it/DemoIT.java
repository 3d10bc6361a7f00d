package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.client.ClientMain;
import io.fail2bancluster.harness.Demo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command runs this demo: it must keep working, show what it claims, and clean up. */
class DemoIT {
    private static final Duration EXIT_WITHIN = Duration.ofSeconds(60);
    private static final Map<String, Class<?>> PROGRAMS = Map.of("fail2ban-cluster-broker", BrokerMain.class,
            "fail2ban-clusterd", AgentMain.class, "fail2ban-cluster-client", ClientMain.class);

    /** The demo's java.io.tmpdir, so what it leaves behind is seen. */
    @TempDir
    Path tmp;

    private JavaProcess demo(String... args) {
        return JavaProcess.start("fail2ban-cluster-demo", List.of("-Djava.io.tmpdir=" + tmp), Demo.class, args);
    }

    @Test
    void demoRunsTheBanFiltersNginxKeepsTheHostileValueOneArgumentAndLeavesNoFolder() throws IOException {
        try (JavaProcess demo = demo()) {
            assertEquals(0, demo.awaitExit(EXIT_WITHIN), demo.output());
            String out = demo.output();
            assertTrue(out.contains("    'sshd-banip-192.0.2.7'"), out);
            assertTrue(out.contains("    'sshd-banip-192.0.2.8; rm -rf ~'"), out);
            assertTrue(out.contains("executed=2"), out);
            assertTrue(out.contains("filtered_out=1"), out);
            assertTrue(!out.contains("nginx-banip"), out);
            // no command that uses the folder it removes: it says how to get them (issue 23 changed this wording)
            assertEquals(List.of(), byHand(demo), out);
            assertTrue(out.contains("== To do the same by hand with real processes, run fail2ban-cluster-demo --keep: "
                    + "it keeps its folder (config and action files) and prints the commands that use it."), out);
            assertEquals(List.of(), demoFolders(), "the demo removes its folder");
        }
    }

    @Test
    void withKeepTheCommandsItPrintsDoTheSameByHand() throws Exception {
        List<List<String>> commands;
        try (JavaProcess demo = demo("--keep")) {
            assertEquals(0, demo.awaitExit(EXIT_WITHIN), demo.output());
            commands = byHand(demo);
            assertEquals(3, commands.size(), demo.output());
        }
        List<Path> kept = demoFolders();
        assertEquals(1, kept.size());
        Path bans = kept.get(0).resolve("bans");
        assertTrue(Files.exists(bans.resolve("sshd-banip-192.0.2.8; rm -rf ~")));

        List<JavaProcess> started = new ArrayList<>();
        try {
            JavaProcess broker = run(commands.get(0), started);
            broker.awaitLineContaining("listening on", EXIT_WITHIN);
            JavaProcess agent = run(commands.get(1), started);
            agent.awaitLineContaining(": connected", EXIT_WITHIN);
            JavaProcess client = run(commands.get(2), started);
            assertEquals(0, client.awaitExit(EXIT_WITHIN), client.output());

            await().atMost(EXIT_WITHIN).until(() -> Files.exists(bans.resolve("sshd-banip-192.0.2.9")));
        } finally {
            started.forEach(JavaProcess::close);
        }
    }

    @Test
    void helpAndABadArgument() {
        try (JavaProcess help = demo("--help")) {
            assertEquals(0, help.awaitExit(EXIT_WITHIN), help.output());
            assertTrue(help.stdout().get(0).equals("Usage: fail2ban-cluster-demo [--keep]"), help.output());
        }
        try (JavaProcess bad = demo("--bogus")) {
            assertEquals(2, bad.awaitExit(EXIT_WITHIN), bad.output());
            assertEquals(List.of("fail2ban-cluster-demo: unknown option --bogus",
                    "Try 'fail2ban-cluster-demo --help' for more information."), bad.stderr());
        }
        assertEquals(List.of(), demoFolders());
    }

    private List<Path> demoFolders() {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("fail2ban-cluster-demo")).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The by-hand commands at the end of the demo, each split into words as a shell would. */
    private static List<List<String>> byHand(JavaProcess demo) {
        return demo.stdout().stream().filter(l -> l.startsWith("    fail2ban-"))
                .map(l -> shellWords(l.trim())).toList();
    }

    private static JavaProcess run(List<String> command, List<JavaProcess> started) {
        Class<?> main = PROGRAMS.get(command.get(0));
        JavaProcess process = JavaProcess.start(command.get(0), main,
                command.subList(1, command.size()).toArray(String[]::new));
        started.add(process);
        return process;
    }

    /** The shell's splitting of these lines: spaces outside double quotes separate, the quotes go. */
    static List<String> shellWords(String line) {
        return Stream.of(line.split(" (?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")).map(w -> w.replace("\"", "")).toList();
    }
}
