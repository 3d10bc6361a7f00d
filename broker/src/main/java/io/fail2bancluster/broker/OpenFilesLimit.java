package io.fail2bancluster.broker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The process's RLIMIT_NOFILE as fanout's {@code info} reports it ({@code rlimits: Soft=.. Hard=..}).
 * Java has no getrlimit, so it is read once at start from {@code /proc/self/limits} (Linux); -1 means
 * unknown or unlimited (fanout casts RLIM_INFINITY to int, which prints -1 too).
 */
record OpenFilesLimit(long soft, long hard) {
    static final OpenFilesLimit UNKNOWN = new OpenFilesLimit(-1, -1);
    private static final String ROW = "Max open files";

    /** Reads the limit of this process; blocking file I/O, so call it before any event loop runs. */
    static OpenFilesLimit ofThisProcess() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/self/limits")));
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    /** Parses the rows of {@code /proc/<pid>/limits}: {@code Max open files  1024  1048576  files}. */
    static OpenFilesLimit parse(List<String> rows) {
        for (String row : rows) {
            if (row.startsWith(ROW)) {
                String[] fields = row.substring(ROW.length()).trim().split("\\s+");
                if (fields.length >= 2) {
                    return new OpenFilesLimit(value(fields[0]), value(fields[1]));
                }
            }
        }
        return UNKNOWN;
    }

    private static long value(String field) {
        if (field.equals("unlimited")) {
            return -1;
        }
        try {
            return Long.parseLong(field);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
