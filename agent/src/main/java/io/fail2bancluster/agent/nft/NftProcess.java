package io.fail2bancluster.agent.nft;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code nft -f -}: one process per script, the script on its stdin, its exit status the answer. nft applies
 * a script as one transaction, so a batch is in the kernel whole or not at all, and the status says which
 * (a long-lived {@code nft -i} answers nothing per command). stdout is discarded; stderr is read whole after
 * stdin is closed: nft writes it only once it has read its input.
 */
public final class NftProcess implements NftCommand {
    private final String program;
    private final Duration timeout;

    public NftProcess(String program, Duration timeout) {
        this.program = program;
        this.timeout = timeout;
    }

    @Override
    public String run(String script) {
        Process process;
        try {
            process = new ProcessBuilder(program, "-f", "-")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            return "cannot run " + program + ": " + e.getMessage();
        }
        try {
            try (OutputStream in = process.getOutputStream()) {
                in.write(script.getBytes(StandardCharsets.UTF_8));
            }
            String stderr;
            try (InputStream err = process.getErrorStream()) {
                stderr = new String(err.readNBytes(8192), StandardCharsets.UTF_8).strip();
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return program + " took longer than " + timeout.toSeconds() + " s and was killed";
            }
            return process.exitValue() == 0 ? null : (stderr.isEmpty() ? "exit status " + process.exitValue() : stderr);
        } catch (IOException e) {
            process.destroyForcibly();
            return program + ": " + e.getMessage();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    @Override
    public String list(String table) {
        try {
            Process process = new ProcessBuilder(program, "list", "table", table.split(" ")[0], table.split(" ")[1])
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            process.getOutputStream().close();
            String out;
            try (InputStream in = process.getInputStream()) {
                // about 48 bytes an element: 4.8 MB for 100,000, as large as the sets the agent filled
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return null;
            }
            return process.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
