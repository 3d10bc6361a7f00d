package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS keys of a server and the checks of their files at load time. The certificates are taken from
 * the JDK's own trust store and the keys generated here: no key material lives in the repository.
 */
class TlsConfigTest {
    @TempDir
    Path dir;

    private static ClusterConfig parse(String extra) {
        return ConfigLoader.parse(server(extra), "test.yml");
    }

    private static String failure(String extra) {
        return assertThrows(ConfigException.class, () -> parse(extra)).getMessage();
    }

    private static String server(String extra) {
        return """
                servers:
                  - host: fanout.example.com
                    channels:
                      - name: c
                """ + extra.indent(4);
    }

    @Test
    void plainByDefault() {
        assertEquals(Optional.empty(), parse("").servers().get(0).tls());
    }

    @Test
    void tlsVerifiesTheHostByDefaultAgainstTheJdkTrustStore() {
        TlsConfig tls = parse("tls: true").servers().get(0).tls().orElseThrow();
        assertEquals(TlsConfig.verifying("fanout.example.com"), tls);
    }

    @Test
    void caFileAndServerName() throws Exception {
        Path ca = writeJdkCertificate("ca.pem");
        TlsConfig tls = parse("tls: yes\nca_file: " + ca + "\nserver_name: broker.internal\n")
                .servers().get(0).tls().orElseThrow();
        assertEquals(new TlsConfig("broker.internal", Optional.of(ca), Optional.empty(), Optional.empty()), tls);
    }

    @Test
    void tlsMustBeABoolean() {
        assertEquals("test.yml: servers[0].tls: expected true or false, got 'maybe', line 5", failure("tls: maybe"));
    }

    @Test
    void tlsKeysWithoutTlsAreAMistake() {
        assertEquals("test.yml: servers[0].server_name: only used with tls: true (this server is plain TCP), line 5",
                failure("server_name: x"));
        assertEquals("test.yml: servers[0].ca_file: only used with tls: true (this server is plain TCP), line 6",
                failure("tls: false\nca_file: /etc/ssl/ca.pem"));
    }

    @Test
    void keyFileNeedsCertFileAndTheOtherWayRound() throws Exception {
        Path key = writeKey("key.pem");
        assertEquals("test.yml: servers[0].key_file: a client certificate needs both cert_file and key_file;"
                + " cert_file is missing, line 6", failure("tls: true\nkey_file: " + key));
        Path cert = writeJdkCertificate("cert.pem");
        assertEquals("test.yml: servers[0].cert_file: a client certificate needs both cert_file and key_file;"
                + " key_file is missing, line 6", failure("tls: true\ncert_file: " + cert));
    }

    @Test
    void missingFileIsNamedWithItsKeyAndLine() {
        Path missing = dir.resolve("nope.pem");
        assertEquals("test.yml: servers[0].ca_file: " + missing + ": no such file, line 6",
                failure("tls: true\nca_file: " + missing));
    }

    @Test
    void unreadableFile() throws IOException {
        Path ca = writeJdkCertificate("ca.pem");
        assertTrue(ca.toFile().setReadable(false));
        if (Files.isReadable(ca)) {
            return; // running as root: nothing is unreadable
        }
        assertEquals("test.yml: servers[0].ca_file: " + ca + ": permission denied, line 6",
                failure("tls: true\nca_file: " + ca));
    }

    @Test
    void fileWithoutCertificate() throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "not pem\n");
        assertEquals("test.yml: servers[0].ca_file: " + ca
                + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in it, line 6", failure("tls: true\nca_file: " + ca));
    }

    @Test
    void brokenCertificateNamesItsLine() throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"),
                "# comment\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        String message = failure("tls: true\nca_file: " + ca);
        assertTrue(message.startsWith("test.yml: servers[0].ca_file: " + ca + ": line 2: not a valid X.509 certificate"),
                message);
    }

    @Test
    void pkcs1KeyIsRefusedWithTheConversionCommand() throws Exception {
        Path cert = writeJdkCertificate("cert.pem");
        Path key = Files.writeString(dir.resolve("key.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertEquals("test.yml: servers[0].key_file: " + key + ": line 1: -----BEGIN RSA PRIVATE KEY----- is not an"
                + " unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----); convert with:"
                + " openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8, line 7",
                failure("tls: true\ncert_file: " + cert + "\nkey_file: " + key));
    }

    @Test
    void keyOfAnotherCertificateIsRefused() throws Exception {
        Path cert = writeJdkCertificate("cert.pem");
        Path key = writeKey("key.pem");
        assertEquals("test.yml: servers[0].key_file: " + key + ": this key does not belong to the certificate in "
                + cert + ", line 7", failure("tls: true\ncert_file: " + cert + "\nkey_file: " + key));
    }

    /** Some RSA certificate of the JDK's trust store, as PEM. */
    private Path writeJdkCertificate(String name) throws IOException {
        try (InputStream in = Files.newInputStream(Path.of(System.getProperty("java.home"), "lib", "security", "cacerts"))) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(in, null);
            for (String alias : Collections.list(store.aliases())) {
                Certificate certificate = store.getCertificate(alias);
                if (certificate.getPublicKey().getAlgorithm().equals("RSA")) {
                    return write(name, "CERTIFICATE", certificate.getEncoded());
                }
            }
        } catch (Exception e) {
            throw new IOException("cannot read the JDK trust store", e);
        }
        throw new IOException("no RSA certificate in the JDK trust store");
    }

    private Path writeKey(String name) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return write(name, "PRIVATE KEY", generator.generateKeyPair().getPrivate().getEncoded());
    }

    private Path write(String name, String type, byte[] der) throws IOException {
        String pem = "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
        return Files.writeString(dir.resolve(name), pem);
    }
}
