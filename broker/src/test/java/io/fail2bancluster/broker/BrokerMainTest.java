package io.fail2bancluster.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BrokerMainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return BrokerMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void defaultsAreFanouts() throws Exception {
        BrokerOptions options = BrokerMain.parse();
        assertEquals(1986, options.port());
        assertEquals(null, options.bindAddress(), "all addresses");
        assertEquals(0, options.clientLimit());
        assertEquals(64 * 1024, options.maxLine());
        assertEquals(Runtime.getRuntime().availableProcessors(), options.threads());
    }

    @Test
    void acceptsBothOptionForms() throws Exception {
        BrokerOptions spaced = BrokerMain.parse("--port", "2000", "--bind", "127.0.0.1", "--client-limit", "3",
                "--max-line", "1024", "--threads", "2");
        BrokerOptions joined = BrokerMain.parse("--port=2000", "--bind=127.0.0.1", "--client-limit=3",
                "--max-line=1024", "--threads=2");
        assertEquals(spaced, joined);
        assertEquals(new BrokerOptions("127.0.0.1", 2000, 3, 1024, 2, BrokerOptions.DEFAULT_OUTBOUND_LIMIT_BYTES),
                joined);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--port=x", "--port=70000", "--client-limit=-1", "--max-line=0", "--threads=0",
            "--nope", "extra", "--port", "--tls-cert=c.pem", "--tls-key=k.pem", "--tls-ca=ca.pem"})
    void usageErrorsExitTwoWithTheErrorAndAPointerToHelp(String arg) {
        assertEquals(2, run(arg));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("fail2ban-cluster-broker: "), text);
        assertTrue(text.endsWith("\nTry 'fail2ban-cluster-broker --help' for more information.\n"), text);
        assertEquals(2, text.lines().count(), text);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aStrayWordIsNamedPlainly() {
        assertEquals(2, run("--bogus"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("fail2ban-cluster-broker: unknown option --bogus\n"));
        err.reset();
        assertEquals(2, run("extra"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("fail2ban-cluster-broker: unexpected argument extra\n"));
    }

    @Test
    void helpAndVersionExitZero() {
        assertEquals(0, run("--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("--max-line"), help);
        // a default the description states, or a flag's "false", is not repeated as this machine's value
        assertTrue(help.contains("--threads\n      Event loop threads (default: the number of cores)\n    --tls-ca"), help);
        assertFalse(help.contains("Default: false"), help);
        out.reset();
        assertEquals(0, run("--version"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("fail2ban-cluster-broker "));
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void portInUseExitsOne() throws IOException {
        try (ServerSocket taken = new ServerSocket(0)) {
            assertEquals(1, run("--port=" + taken.getLocalPort(), "--bind=127.0.0.1", "--threads=1"));
            assertEquals("", out.toString(StandardCharsets.UTF_8), "no 'listening' line when it is not");
        }
    }

    @Test
    void tlsOptions() throws Exception {
        BrokerOptions options = BrokerMain.parse("--tls-cert", "c.pem", "--tls-key=k.pem", "--tls-ca", "ca.pem");
        assertEquals(Optional.of(new BrokerTls(Path.of("c.pem"), Path.of("k.pem"), Optional.of(Path.of("ca.pem")))),
                options.tls());
        assertEquals(Optional.empty(), BrokerMain.parse().tls(), "plain TCP by default, as fanout");
    }

    @Test
    void missingTlsFileExitsOneNamingIt(@TempDir Path dir) {
        Path cert = dir.resolve("missing-cert.pem");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Broker.start(BrokerOptions.defaults().withPort(0).withTls(
                        new BrokerTls(cert, dir.resolve("k.pem"), Optional.empty()))));
        assertEquals("--tls-cert " + cert + ": no such file", e.getMessage());
        assertEquals(1, run("--port=0", "--bind=127.0.0.1", "--threads=1", "--tls-cert=" + cert, "--tls-key=" + cert));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void rejectsInvalidOptionsInTheRecordToo() {
        assertThrows(IllegalArgumentException.class, () -> BrokerOptions.defaults().withOutboundLimitBytes(10));
    }
}
