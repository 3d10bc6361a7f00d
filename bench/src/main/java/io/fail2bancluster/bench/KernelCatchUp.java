package io.fail2bancluster.bench;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.agent.daemon.ControlClient;
import io.fail2bancluster.agent.nft.NftScript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link CatchUpFail2banBench}'s row into the kernel: a fresh agent whose channel has {@code enforce: nftables}
 * instead of the action, facing the same stream. It runs in the bench's own network namespace ({@code bench/run
 * nft-catchup} starts it under {@code unshare -n}), so the table it writes is gone with the namespace. Timed
 * from the agent's launch, and from the first message it read (its status' {@code received}) to the last ban
 * acknowledged by nft (its status' element count of the channel's set); the status is asked every few ms.
 */
final class KernelCatchUp {
    private static final long POLL_MILLIS = 5;

    /** Seconds from launch to all in the kernel, and from the first message read to all in the kernel. */
    record Result(double total, double fromRead) {
    }

    private KernelCatchUp() {
    }

    static Result run(String url, Path dir, int bans, long giveUpSeconds) throws Exception {
        Path socket = dir.resolve("control.sock");
        String config = CatchUpBench.agentConfig(url, Files.createDirectories(dir.resolve("state")), "unused", 1)
                .replaceFirst("action: \"unused\"\\n(\\s*)batch: 1\\n", "enforce: nftables\n")
                + "control_socket: " + socket + "\n";
        if (!config.contains("enforce: nftables")) {
            throw new IllegalStateException("the catch-up config changed shape: " + config);
        }
        Path file = Files.writeString(dir.resolve("agent.yml"), config);
        String set = "nft.set." + NftScript.setName(CatchUpBench.CHANNEL, false);
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(giveUpSeconds);
        long read = 0;
        try (Child agent = new Child(MemoryBench.LAUNCHER_JVM, AgentMain.class.getName(), "--config", file.toString(),
                "run")) {
            while (System.nanoTime() - deadline < 0) {
                Map<String, String> status = status(socket);
                long now = System.nanoTime();
                if (read == 0 && Long.parseLong(status.getOrDefault("server.0.received", "0")) > 0) {
                    read = now;
                }
                if (Integer.parseInt(status.getOrDefault(set, "0")) >= bans) {
                    return new Result((now - start) / 1e9, (now - (read == 0 ? now : read)) / 1e9);
                }
                Thread.sleep(POLL_MILLIS);
            }
            throw new IllegalStateException("not all " + bans + " bans were in the kernel within " + giveUpSeconds + " s: "
                    + status(socket));
        }
    }

    /** The agent's status; empty while its control socket is not there yet. */
    private static Map<String, String> status(Path socket) {
        try {
            return ControlClient.request(socket, "status").fields();
        } catch (IOException notYet) {
            return Map.of();
        }
    }
}
