package io.fail2bancluster.agent.exec;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes; the actions are small /bin/sh scripts written by each test (our exec never uses a shell). */
class ProcessActionRunnerTest {
    private static final Duration SAFETY = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private ProcessActionRunner runner;

    @AfterEach
    void tearDown() {
        if (runner != null) {
            runner.shutdown(Duration.ZERO).join();
        }
    }

    private Path script(String name, String body) throws IOException {
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private ActionResult runAndWait(List<String> argv) throws Exception {
        CompletableFuture<ActionResult> result = new CompletableFuture<>();
        runner.run(new Invocation(argv, "fanout:1986", "Fail2ban", "test"), result::complete);
        return result.get(SAFETY.toSeconds(), TimeUnit.SECONDS);
    }

    private static List<String> argv(Object... parts) {
        return Arrays.stream(parts).map(String::valueOf).toList();
    }

    @Test
    void passesEveryArgumentLiterallyWithoutAShell() throws Exception {
        runner = ProcessActionRunner.start(2, 10, SAFETY);
        Path record = script("record", "out=$1; shift; printf '%s\\0' \"$@\" > \"$out\"");
        Path out = dir.resolve("argv");
        Path pwned = dir.resolve("pwned");
        List<String> values = List.of("1.2.3.4; touch " + pwned, "$(touch " + pwned + ")", "`touch " + pwned + "`",
                "it's \"quoted\"", "two  words", "%jail%", "a\\nb", "", "| cat > " + pwned, "*");
        List<String> argv = new ArrayList<>(argv(record, out));
        argv.addAll(values);

        ActionResult result = runAndWait(argv);

        assertEquals(0, assertInstanceOf(ActionResult.Exited.class, result).status());
        String recorded = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(values, Arrays.asList(recorded.substring(0, recorded.length() - 1).split("\0", -1)));
        assertFalse(Files.exists(pwned), "nothing ran but the action");
    }

    @Test
    void aTimedOutActionIsKilledWithItsChildren() throws Exception {
        runner = ProcessActionRunner.start(1, 1, Duration.ofMillis(300));
        Path pids = dir.resolve("pids");
        Path hang = script("hang", "( sleep 600 & echo $! > \"$1.grandchild\"; wait ) & echo $! > \"$1\"; sleep 600");

        ActionResult result = runAndWait(argv(hang, pids));

        assertInstanceOf(ActionResult.TimedOut.class, result);
        for (Path pidFile : List.of(pids, Path.of(pids + ".grandchild"))) {
            await().atMost(SAFETY).until(() -> Files.exists(pidFile) && Files.readString(pidFile).strip().length() > 0);
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            await().atMost(SAFETY).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        }
        assertEquals(0, runner.running());
    }

    @Test
    void aFloodOfOutputNeitherBlocksNorFillsTheLog() throws Exception {
        runner = ProcessActionRunner.start(1, 1, SAFETY);
        Path chatty = script("chatty", "head -c 4000000 /dev/zero | tr '\\0' o\n"
                + "head -c 4000000 /dev/zero | tr '\\0' e >&2\nexit 3");

        ActionResult.Exited exited = assertInstanceOf(ActionResult.Exited.class, runAndWait(argv(chatty)));

        assertEquals(3, exited.status());
        assertTrue(exited.stderrHead().startsWith("e".repeat(ProcessActionRunner.STDERR_HEAD_BYTES) + " ...("),
                exited.stderrHead().substring(0, 40));
        assertTrue(exited.stderrHead().endsWith("(" + (4_000_000 - ProcessActionRunner.STDERR_HEAD_BYTES) + " more bytes)"));
    }

    @Test
    void aMissingProgramIsAClearFailure() throws Exception {
        runner = ProcessActionRunner.start(1, 1, SAFETY);
        ActionResult.NotStarted notStarted = assertInstanceOf(ActionResult.NotStarted.class,
                runAndWait(List.of("/nonexistent/fail2ban-client", "set", "sshd")));
        assertTrue(notStarted.reason().contains("/nonexistent/fail2ban-client"), notStarted.reason());
        assertTrue(notStarted.reason().contains("No such file"), notStarted.reason());
    }

    /** Each blocked action marks that it started, then waits for the test to open the gate. */
    private Path blocked() throws IOException {
        return script("blocked", "touch \"$1\"\nwhile [ ! -e \"$2\" ]; do sleep 0.02; done");
    }

    private static long startedCount(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("started-")).count();
        }
    }

    @Test
    void pastConcurrencyAndQueueActionsAreDroppedAtOnce() throws Exception {
        runner = ProcessActionRunner.start(2, 3, SAFETY);
        Path action = blocked();
        Path gate = dir.resolve("gate");
        Queue<ActionResult> results = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < 8; i++) {
            runner.run(new Invocation(argv(action, dir.resolve("started-" + i), gate), "fanout:1986", "Fail2ban", "m" + i),
                    results::add);
        }
        assertEquals(3, results.size(), "dropped at once, not queued");
        results.forEach(r -> assertInstanceOf(ActionResult.Dropped.class, r));
        await().atMost(SAFETY).until(() -> startedCount(dir) == 2);
        assertEquals(3, runner.queued());
        assertEquals(2, runner.running());

        Files.createFile(gate);
        await().atMost(SAFETY).until(() -> results.size() == 8);
        assertEquals(5, results.stream().filter(r -> r instanceof ActionResult.Exited e && e.status() == 0).count());
        assertEquals(5, startedCount(dir));
    }

    @Test
    void fullAtItsBoundAndADrainWaiterIsCalledOnceItIsDownToHalf() throws Exception {
        runner = ProcessActionRunner.start(2, 4, SAFETY); // bound 6, low-water mark 3
        Path action = blocked();
        Queue<ActionResult> results = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < 6; i++) {
            assertFalse(runner.full(), "room for " + i);
            runner.run(new Invocation(argv(action, dir.resolve("started-" + i), dir.resolve("gate-" + i)), "fanout:1986",
                    "Fail2ban", "m" + i), results::add);
        }
        assertTrue(runner.full());
        CompletableFuture<String> drained = new CompletableFuture<>();
        runner.whenDrained(() -> drained.complete(Thread.currentThread().getName()));
        await().atMost(SAFETY).until(() -> startedCount(dir) == 2);

        Files.createFile(dir.resolve("gate-0"));
        Files.createFile(dir.resolve("gate-1"));
        await().atMost(SAFETY).until(() -> startedCount(dir) == 4 && runner.queued() == 2);
        assertFalse(drained.isDone(), "4 waiting or running: above half");
        assertFalse(runner.full());

        Files.createFile(dir.resolve("gate-2"));
        assertTrue(drained.get(SAFETY.toSeconds(), TimeUnit.SECONDS).startsWith("fail2ban-exec-dispatch"),
                "called by the dispatcher, never by the caller's thread");
        CompletableFuture<Void> atOnce = new CompletableFuture<>();
        runner.whenDrained(() -> atOnce.complete(null));
        atOnce.get(SAFETY.toSeconds(), TimeUnit.SECONDS);
        for (int i = 3; i < 6; i++) {
            Files.createFile(dir.resolve("gate-" + i));
        }
        await().atMost(SAFETY).until(() -> results.size() == 6);
        assertTrue(results.stream().noneMatch(ActionResult.Dropped.class::isInstance), results.toString());
    }

    @Test
    void placesHeldByFailedActionsWaitingForTheirRetryCountAgainstTheBound() throws Exception {
        runner = ProcessActionRunner.start(1, 3, SAFETY); // bound 4, low-water mark 2
        for (int i = 0; i < 4; i++) {
            assertFalse(runner.full(), "room for " + i);
            runner.hold();
        }
        assertTrue(runner.full(), "four failing actions waiting for their retry fill it");
        List<ActionResult> results = new java.util.concurrent.CopyOnWriteArrayList<>();
        runner.run(new Invocation(List.of("/bin/true"), "fanout:1986", "Fail2ban", "m"), results::add);
        assertTrue(results.get(0) instanceof ActionResult.Dropped, "past the bound, as ever: " + results);
        CompletableFuture<Void> drained = new CompletableFuture<>();
        runner.whenDrained(() -> drained.complete(null));
        runner.release();
        assertFalse(runner.full());
        assertFalse(drained.isDone(), "3 held: above half");
        runner.release();
        drained.get(SAFETY.toSeconds(), TimeUnit.SECONDS);
        assertEquals(2, runner.held());
    }

    @Test
    void shutdownKillsWhatOutlivesTheGraceAndReportsWhatNeverRan() throws Exception {
        runner = ProcessActionRunner.start(1, 1, SAFETY);
        Path action = blocked();
        Queue<ActionResult> results = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < 2; i++) {
            runner.run(new Invocation(argv(action, dir.resolve("started-" + i), dir.resolve("never")), "fanout:1986",
                    "Fail2ban", "m" + i), results::add);
        }
        await().atMost(SAFETY).until(() -> startedCount(dir) == 1);

        runner.shutdown(Duration.ZERO).get(SAFETY.toSeconds(), TimeUnit.SECONDS);

        assertEquals(2, results.size());
        assertEquals(1, results.stream().filter(ActionResult.TimedOut.class::isInstance).count());
        assertEquals(1, results.stream().filter(ActionResult.Dropped.class::isInstance).count());
        assertEquals(0, runner.running());
        CompletableFuture<ActionResult> late = new CompletableFuture<>();
        runner.run(new Invocation(argv(action), "fanout:1986", "Fail2ban", "late"), late::complete);
        assertInstanceOf(ActionResult.Dropped.class, late.getNow(null));
        runner = null;
    }

    @Test
    void aBurstOnABatchingChannelRunsAsAFewCommandsEachAddressOnceAndAnUnbanAfterItsBan() throws Exception {
        runner = ProcessActionRunner.start(4, 10_000, SAFETY);
        // one file per run: when it started, the arguments it got after the folder, when it ended
        Path record = script("record", "d=$1; shift; f=$(mktemp \"$d/run.XXXXXX\"); s=$(date +%s%N); sleep 0.05\n"
                + "{ echo \"$s\"; printf '%s\\n' \"$@\"; date +%s%N; } > \"$f.tmp\"; mv \"$f.tmp\" \"$f\"");
        Path runs = Files.createDirectory(dir.resolve("runs"));
        List<String> sent = new ArrayList<>();
        Queue<ActionResult> results = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < 1000; i++) {
            // every tenth message unbans the address banned five messages before it
            String action = i % 10 == 9 ? "unbanip" : "banip";
            String ip = "192.0.2." + (i % 10 == 9 ? i - 5 : i);
            sent.add(action + " " + ip);
            runner.run(new Invocation(argv(record, runs, action, ip), "fanout:1986", "Fail2ban", "m" + i, 200),
                    results::add);
        }
        await().atMost(SAFETY).until(() -> results.size() == 1000);

        List<ActionResult.Exited> outcomes = results.stream()
                .map(r -> r instanceof ActionResult.Batched b ? b.run() : r)
                .map(r -> assertInstanceOf(ActionResult.Exited.class, r)).toList();
        assertTrue(outcomes.stream().allMatch(e -> e.status() == 0));
        List<String> ran = new ArrayList<>();
        java.util.Map<String, long[]> spans = new java.util.HashMap<>();
        List<Path> files;
        try (var list = Files.list(runs)) {
            files = list.toList();
        }
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file);
            long[] span = {Long.parseLong(lines.get(0)), Long.parseLong(lines.get(lines.size() - 1))};
            String action = lines.get(1);
            for (String ip : lines.subList(2, lines.size() - 1)) {
                ran.add(action + " " + ip);
                spans.put(action + " " + ip, span);
            }
        }
        assertTrue(files.size() <= 40, files.size() + " runs for 1000 messages");
        assertEquals(sent.stream().sorted().toList(), ran.stream().sorted().toList(), "every message exactly once");
        for (String message : sent) {
            if (message.startsWith("unbanip")) {
                long[] ban = spans.get(message.replace("unbanip", "banip"));
                long[] unban = spans.get(message);
                assertTrue(ban[1] <= unban[0], message + " started before its ban had ended");
            }
        }
    }
}
