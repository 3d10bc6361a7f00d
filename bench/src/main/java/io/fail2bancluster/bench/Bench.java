package io.fail2bancluster.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** What every bench main shares: the {@code --quick} switch and the figure lines bench/run prints. */
final class Bench {
    private Bench() {
    }

    static boolean quick(String[] args) {
        return Arrays.asList(args).contains("--quick");
    }

    static void header(String title) {
        System.out.println();
        System.out.println("== " + title);
        System.out.flush();
    }

    static void line(String what, String format, Object... args) {
        System.out.printf("  %-44s %s%n", what, String.format(format, args));
        System.out.flush();
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static String ratio(double ours, double baseline) {
        return String.format("%.2fx baseline", ours / baseline);
    }

    /**
     * Wall time of one whole process in milliseconds, its output discarded and stderr shown, {@code JAVA_OPTS}
     * of this JVM's environment left out, {@code env} added; any exit status but 0 ends the bench.
     */
    static double wallMillis(List<String> command, java.util.Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().remove("JAVA_OPTS");
        builder.environment().putAll(env);
        long start = System.nanoTime();
        int status = builder.start().waitFor();
        double ms = (System.nanoTime() - start) / 1e6;
        if (status != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + status);
        }
        return ms;
    }

    /** A bench's temporary folder and all in it (links themselves, never what they point to). */
    static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
