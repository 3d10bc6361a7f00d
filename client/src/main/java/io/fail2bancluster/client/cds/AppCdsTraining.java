package io.fail2bancluster.client.cds;

import io.fail2bancluster.client.ClientMain;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The AppCDS training run behind {@code fail2ban-cluster-client --build-cds}: the launcher runs this main
 * under {@code -XX:ArchiveClassesAtExit}, so the archive holds every class a real publish loads. It publishes
 * through {@link ClientMain#run(String[], PrintStream, PrintStream)} as fail2ban would, with a config file
 * (snakeyaml, the config records and their validation), signed and unsigned, and with {@code --host}, to
 * {@link StandInFanout} on loopback: building the archive needs no network and no server, so the package can
 * do it at install time. The NATS path runs too, against {@link StandInJetStream}, so the archive holds
 * jnats's classes for a site that publishes to NATS. Exit 0 when every publish was accepted.
 *
 * <p>This package holds the training and its stand-in servers only; it ships in the client's jar because the
 * launcher runs it on the installed host, but no publish ever loads it.
 */
public final class AppCdsTraining {
    static final String CHANNEL = "Fail2ban";
    static final String MESSAGE = "jail=sshd, action=banip, ip=192.0.2.7";
    static final String UNBAN = "jail=sshd, action=unbanip, ip=192.0.2.7";

    private AppCdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(train(System.out, System.err));
    }

    static int train(PrintStream out, PrintStream err) throws IOException {
        Path dir = Files.createTempDirectory("fail2ban-cluster-cds");
        try (StandInFanout fanout = StandInFanout.start(); StandInJetStream nats = StandInJetStream.start()) {
            String port = Integer.toString(fanout.port());

            Path key = Files.createFile(dir.resolve("key"), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            Files.writeString(key, "cds-training-key-0123456789abcdef\n");
            Path config = dir.resolve("fail2ban-cluster.yml");
            Files.writeString(config, config(port, key));
            Path natsConfig = dir.resolve("fail2ban-cluster-nats.yml");
            Files.writeString(natsConfig, natsConfig(port, nats.url()));

            int status = 0;
            for (String[] args : new String[][] {
                    {"publish", "--config", config.toString(), "-c", CHANNEL, "-m", MESSAGE},
                    {"--config", config.toString(), "-c", "Signed", "-m", MESSAGE, "-v"},
                    {"--host", "127.0.0.1", "-p", port, "-c", CHANNEL, "-m", MESSAGE},
                    // the NATS path: a config listing both kinds, a ban and an unban, and --nats
                    {"publish", "--config", natsConfig.toString(), "-c", CHANNEL, "-m", MESSAGE + ", bantime=600", "-v"},
                    {"publish", "--config", natsConfig.toString(), "-c", CHANNEL, "-m", UNBAN},
                    {"publish", "--nats", nats.url(), "-c", CHANNEL, "-m", MESSAGE + ", bantime=600"}}) {
                status = Math.max(status, ClientMain.run(args, out, err));
            }
            return status;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A config in the shape of the shipped example: a filtered channel with an action, and a signed one. */
    private static String config(String port, Path key) {
        return "servers:\n"
                + "  - host: 127.0.0.1\n"
                + "    port: " + port + "\n"
                + "    ping_timeout: 60\n"
                + "    channels:\n"
                + "      - name: " + CHANNEL + "\n"
                + "        action: \"fail2ban-client set %jail% %action% %ip%\"\n"
                + "        filter:\n"
                + "          - key: action\n"
                + "            values: [banip, unbanip]\n"
                + "          - key: jail\n"
                + "            values: [sshd]\n"
                + "      - name: Signed\n"
                + "        action: \"fail2ban-client set %jail% %action% %ip%\"\n"
                + "        secret_files: [\"" + key + "\"]\n"
                + "log_level: 2\n";
    }

    /** A fanout server and a NATS cluster carrying the channel, as a site migrating to NATS lists them. */
    private static String natsConfig(String port, String natsUrl) {
        return "servers:\n"
                + "  - host: 127.0.0.1\n"
                + "    port: " + port + "\n"
                + "    channels:\n"
                + "      - name: " + CHANNEL + "\n"
                + "  - nats: [" + natsUrl + "]\n"
                + "    channels:\n"
                + "      - name: " + CHANNEL + "\n"
                + "        action: \"fail2ban-client set %jail% %action% %ip%\"\n";
    }
}
