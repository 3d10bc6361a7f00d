package io.fail2bancluster.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An action script that appends its argv to a file, each argument followed by NUL and each run ended by
 * a newline (messages carry neither, so records cannot be confused), and the reader of that file.
 */
final class ArgvRecorder {
    private final Path script;
    private final Path records;

    ArgvRecorder(Path dir) throws IOException {
        this.script = dir.resolve("record-argv.sh");
        this.records = dir.resolve("argv.records");
        Files.writeString(script, """
                #!/bin/sh
                # Appends every argument, NUL-terminated, then a newline.
                out="$1"
                shift
                { for arg in "$@"; do printf '%s\\0' "$arg"; done; printf '\\n'; } >> "$out"
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    }

    /** The start of an action line: the script and its record file; placeholders follow. */
    String action() {
        return script + " " + records;
    }

    /** Every run so far, each as its argv after the record file. */
    List<List<String>> runs() throws IOException {
        if (!Files.exists(records)) {
            return List.of();
        }
        String text = Files.readString(records, StandardCharsets.UTF_8);
        List<List<String>> runs = new ArrayList<>();
        for (String record : text.split("\n", -1)) {
            if (!record.isEmpty()) {
                runs.add(Arrays.asList(record.substring(0, record.length() - 1).split("\0", -1)));
            }
        }
        return runs;
    }
}
