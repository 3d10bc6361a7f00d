package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;

/**
 * An action that writes down the exact argv of every run: a tiny script, so what the agent hands to
 * exec is recorded byte for byte and nothing is interpreted on the way. Each run appends its argument
 * count and then each argument, all NUL-terminated; the agent runs actions one at a time in these
 * tests ({@code exec_concurrency: 1}), so runs never interleave in the record.
 */
final class RecordingAction {
    private static final String SCRIPT = """
            #!/bin/sh
            # $1 is the record file; the arguments after it are what the agent passed.
            record=$1
            shift
            printf '%s\\0' "$#" "$@" >> "$record"
            """;

    private final Path script;
    private final Path record;

    private RecordingAction(Path script, Path record) {
        this.script = script;
        this.record = record;
    }

    static RecordingAction in(Path dir) throws IOException {
        Path script = dir.resolve("record-argv.sh");
        Files.writeString(script, SCRIPT);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return new RecordingAction(script, dir.resolve("argv.record"));
    }

    /** An action line for the config: this script, its record file, then {@code arguments} (placeholders). */
    String action(String arguments) {
        return script + " " + record + " " + arguments;
    }

    /** The argv of every run so far (without the script and record paths), in the order they ran. */
    List<List<String>> runs() {
        byte[] bytes;
        try {
            bytes = Files.exists(record) ? Files.readAllBytes(record) : new byte[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> fields = fields(bytes);
        List<List<String>> runs = new ArrayList<>();
        int i = 0;
        while (i < fields.size()) {
            int count = Integer.parseInt(fields.get(i++));
            if (i + count > fields.size()) {
                break; // a run still writing: it shows up complete on the next read
            }
            runs.add(List.copyOf(fields.subList(i, i + count)));
            i += count;
        }
        return runs;
    }

    /** Complete NUL-terminated fields; a trailing partial one is left out. */
    private static List<String> fields(byte[] bytes) {
        List<String> fields = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                fields.add(new String(Arrays.copyOfRange(bytes, start, i), StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return fields;
    }

    /** Waits until {@code count} runs are recorded and returns them all. */
    List<List<String>> awaitRuns(int count, JavaProcess agent) {
        try {
            await().atMost(Cluster.WAIT).pollInterval(Duration.ofMillis(20)).until(() -> runs().size() >= count);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("expected " + count + " run(s) of the action, recorded " + runs()
                    + "\n" + agent.output(), e);
        }
        return runs();
    }
}
