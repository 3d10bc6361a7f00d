package io.fail2bancluster.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for the TLS tests, made at test time with the JDK's {@code keytool} (every JDK has it; no
 * key material is in the repository): a CA, and signed by it a server certificate for {@code localhost}
 * and {@code 127.0.0.1}, a client certificate, and a server certificate for another name. Each as a PEM
 * certificate plus a PKCS#8 PEM key, the formats the config, the client and the broker take.
 */
final class TestPki {
    private static final String PASSWORD = "test-only";

    /** A certificate and its key, as PEM files. */
    record Pair(Path cert, Path key) {
    }

    final Path caCert;
    final Pair server;
    final Pair client;
    /** Signed by the same CA, valid, but for {@code wrong.example} only: a hostname verification must fail. */
    final Pair wrongName;

    private TestPki(Path caCert, Pair server, Pair client, Pair wrongName) {
        this.caCert = caCert;
        this.server = server;
        this.client = client;
        this.wrongName = wrongName;
    }

    static TestPki create(Path dir) throws IOException {
        Files.createDirectories(dir);
        keytool(dir, "-genkeypair", "-keystore", "ca.p12", "-alias", "ca", "-dname", "CN=fail2ban-cluster test CA",
                "-ext", "bc:c");
        keytool(dir, "-exportcert", "-rfc", "-keystore", "ca.p12", "-alias", "ca", "-file", "ca.pem");
        // keytool takes a second or so per call: the three leaves are made side by side
        CompletableFuture<Pair> server = leaf(dir, "server", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1");
        CompletableFuture<Pair> client = leaf(dir, "client", "CN=agent.example", "SAN=dns:agent.example");
        CompletableFuture<Pair> wrong = leaf(dir, "wrong", "CN=wrong.example", "SAN=dns:wrong.example");
        try {
            return new TestPki(dir.resolve("ca.pem"), server.join(), client.join(), wrong.join());
        } catch (java.util.concurrent.CompletionException e) {
            throw new IOException("cannot make the test certificates", e.getCause());
        }
    }

    private static CompletableFuture<Pair> leaf(Path dir, String name, String dname, String san) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                String store = name + ".p12";
                keytool(dir, "-genkeypair", "-keystore", store, "-alias", name, "-dname", dname);
                keytool(dir, "-certreq", "-keystore", store, "-alias", name, "-file", name + ".csr");
                keytool(dir, "-gencert", "-rfc", "-keystore", "ca.p12", "-alias", "ca", "-infile", name + ".csr",
                        "-outfile", name + ".pem", "-ext", san, "-validity", "2");
                return new Pair(dir.resolve(name + ".pem"), writeKey(dir.resolve(store), name, dir.resolve(name + ".key")));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** keytool cannot export a private key; the JDK can read it from the keystore and write PKCS#8. */
    private static Path writeKey(Path store, String alias, Path out) throws IOException {
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, PASSWORD.toCharArray());
            Key key = keyStore.getKey(alias, PASSWORD.toCharArray());
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            return Files.writeString(out, pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot read the key of " + store, e);
        }
    }

    private static void keytool(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        // EC keys: quick to generate; one password for store and key; short validity, these are throwaway
        if (args[0].equals("-genkeypair")) {
            command.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2"));
        }
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD, "-noprompt"));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
