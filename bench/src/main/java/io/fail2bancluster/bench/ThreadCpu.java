package io.fail2bancluster.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where a process's CPU goes, by thread name: user + system ticks per name (digits folded, so jnats's
 * {@code nats:17} and {@code nats:240} are one group) from {@code /proc/PID/task/TID/stat} and {@code comm}
 * (the kernel keeps the first 15 characters of a name). Two samples a few seconds apart say which kind of
 * thread a fleet's time went to.
 */
final class ThreadCpu {
    private static final double TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture the JDK runs on

    /** Ticks and thread counts per name at one moment. */
    record Sample(long nanos, Map<String, long[]> groups) {
    }

    private ThreadCpu() {
    }

    static Sample sample(long pid) throws IOException {
        Map<String, long[]> groups = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip().replaceAll("[0-9]+", "N");
                    String stat = Files.readString(task.resolve("stat"));
                    // after "pid (comm) ": state is field 3, utime 14 and stime 15
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long[] group = groups.computeIfAbsent(name, n -> new long[2]);
                    group[0] += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    group[1]++;
                } catch (NoSuchFileException ended) {
                    // a thread that ended between the listing and the read
                }
            }
        }
        return new Sample(System.nanoTime(), groups);
    }

    /** "1.62 cores: NAME xTHREADS SHARE%, ..." for the {@code top} groups that used most between the samples. */
    static String between(Sample before, Sample after, int top) {
        Map<String, Long> used = new HashMap<>();
        after.groups.forEach((name, group) -> used.put(name,
                group[0] - before.groups.getOrDefault(name, new long[2])[0]));
        long total = Math.max(1, used.values().stream().mapToLong(Long::longValue).sum());
        double seconds = (after.nanos - before.nanos) / 1e9;
        return String.format("%.2f cores: ", total / TICKS_PER_SECOND / seconds) + used.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .map(e -> String.format("'%s' x%d %.0f%%", e.getKey(), after.groups.get(e.getKey())[1],
                        100.0 * e.getValue() / total))
                .collect(Collectors.joining(", "));
    }
}
