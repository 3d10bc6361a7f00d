package io.fail2bancluster.client;

import io.fail2bancluster.protocol.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training run behind {@code fail2ban-cluster-client --build-cds}: the launcher runs this main under
 * {@code -XX:ArchiveClassesAtExit}, so the AppCDS archive holds every class a real publish loads. It
 * publishes through {@link ClientMain#run} as fail2ban would, with a config file (snakeyaml, the config
 * records and their validation), signed and unsigned, and with {@code --host}, to a fanout stand-in it
 * serves itself on loopback: building the archive needs no network and no server, so the package can do
 * it at install time. The NATS path runs too, against {@link NatsStandIn}, so the archive holds jnats's classes
 * for a site that publishes to NATS. Exit 0 when every publish was accepted.
 */
public final class CdsTraining {
    static final String CHANNEL = "Fail2ban";
    static final String MESSAGE = "jail=sshd, action=banip, ip=192.0.2.7";
    static final String UNBAN = "jail=sshd, action=unbanip, ip=192.0.2.7";

    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(train(System.out, System.err));
    }

    static int train(PrintStream out, PrintStream err) throws IOException {
        Path dir = Files.createTempDirectory("fail2ban-cluster-cds");
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             NatsStandIn nats = new NatsStandIn()) {
            Thread acceptor = new Thread(() -> serve(server), "cds-training-fanout");
            acceptor.setDaemon(true);
            acceptor.start();
            String port = Integer.toString(server.getLocalPort());

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
                status = Math.max(status, ClientMain.run(args, out, err, new ClientMain.ConfigFile(), new Publisher()));
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

    /** fanout as far as a publish needs it: the greeting, then a timestamp line for every {@code ping}. */
    private static void serve(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                OutputStream out = socket.getOutputStream();
                out.write((Wire.GREETING + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                InputStream in = socket.getInputStream();
                StringBuilder line = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0) {
                    if (b != '\n') {
                        line.append((char) b);
                    } else {
                        if (line.toString().equals("ping")) {
                            out.write((System.currentTimeMillis() / 1000 + "\n").getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                        }
                        line.setLength(0);
                    }
                }
            } catch (IOException e) {
                // the client went away, or the server socket closed at the end of training
            }
        }
    }
}
