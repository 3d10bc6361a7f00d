package io.fail2bancluster.agent.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger on a disk that really fills: a 1 MiB tmpfs mounted in a mount namespace made for the test
 * ({@code unshare -m}, which needs root), with {@link TmpfsScenario} run there in a JVM of its own. Skipped,
 * saying why, where no such namespace can be made. The fake disk of {@link LedgerFullDiskTest} covers the
 * same ground everywhere.
 */
class LedgerTmpfsTest {
    @TempDir
    Path dir;

    private static String run(List<String> command, long seconds) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return "timed out after " + seconds + " s\n" + new String(process.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8);
        }
        return "exit " + process.exitValue() + "\n" + new String(process.getInputStream().readAllBytes(),
                StandardCharsets.UTF_8);
    }

    @Test
    void aFullTmpfsIsReportedLeavesNothingHalfWrittenAndPassesWhenSpaceReturns() throws Exception {
        String probe;
        try {
            probe = run(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                    "mount -t tmpfs -o size=64k probe \"$0\"", dir.toString()), 10);
        } catch (IOException e) {
            probe = "unshare cannot run: " + e.getMessage();
        }
        if (!probe.startsWith("exit 0")) {
            System.out.println("LedgerTmpfsTest skipped: no tmpfs in a mount namespace of our own here (unshare -m "
                    + "needs root): " + probe.strip());
        }
        assumeTrue(probe.startsWith("exit 0"), "no mount namespace: " + probe.strip());

        String javaBinary = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String output = run(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o size=1m,mode=0700 ledger-test \"$0\" && exec \"$1\" -Xmx64m -cp \"$2\" \"$3\" \"$0\"",
                dir.toString(), javaBinary, System.getProperty("java.class.path"), TmpfsScenario.class.getName()), 120);
        System.out.println(output);
        assertTrue(output.startsWith("exit 0"), output);
        assertTrue(output.strip().endsWith("ok"), output);
        assertEquals(List.of(), java.nio.file.Files.list(dir).toList(), "the tmpfs went with its namespace");
    }
}
