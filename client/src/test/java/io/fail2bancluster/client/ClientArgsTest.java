package io.fail2bancluster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fail2bancluster.config.DefaultPaths;
import io.fail2bancluster.config.TlsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientArgsTest {
    private static final String BAN = "jail=sshd, action=banip, ip=192.168.0.1";

    @Test
    void theExampleConfigDocumentsBothOriginalCommandLines() {
        assertEquals(List.of(
                List.of("-c", "Fail2ban", "-m", BAN),
                List.of("--host=host.example.com", "-p", "1234", "-c", "Fail2ban", "-m", BAN)),
                CommandLines.fromExampleConfig());
    }

    @Test
    void originalFormWithoutHostTakesTheServersFromTheDefaultConfig() {
        ClientArgs.Publish p = publish(CommandLines.fromExampleConfig().get(0));

        assertEquals("Fail2ban", p.channel());
        assertEquals(BAN, p.message());
        assertNull(p.target());
        assertEquals(Path.of("/etc/fail2ban-cluster.yml"), p.config());
        assertEquals(Duration.ofSeconds(5), p.timeout());
    }

    @Test
    void originalFormWithHostTargetsThatHostOnly() {
        ClientArgs.Publish p = publish(CommandLines.fromExampleConfig().get(1));

        assertEquals("Fail2ban", p.channel());
        assertEquals(BAN, p.message());
        assertEquals(new FanoutDestination("host.example.com", 1234), p.target());
    }

    @Test
    void publishWordAndEveryOptionInBothSpellings() {
        ClientArgs.Publish spaced = publish(List.of("publish", "--channel", "Fail2ban", "--message", BAN,
                "--config", "/tmp/c.yml", "--host", "h", "--port", "99", "--timeout", "2.5", "--verbose"));
        ClientArgs.Publish equals = publish(List.of("publish", "--channel=Fail2ban", "--message=" + BAN,
                "--config=/tmp/c.yml", "--host=h", "--port=99", "--timeout=2.5", "-v"));
        ClientArgs.Publish shortEquals = publish(List.of("-c=Fail2ban", "-m=" + BAN, "--config=/tmp/c.yml",
                "--host=h", "-p=99", "--timeout=2.5", "-v"));

        ClientArgs.Publish expected = new ClientArgs.Publish("Fail2ban", BAN, new FanoutDestination("h", 99),
                Path.of("/tmp/c.yml"), Duration.ofMillis(2500), true);
        assertEquals(expected, spaced);
        assertEquals(expected, equals);
        assertEquals(expected, shortEquals);
    }

    @Test
    void natsTakesOneClusterOfUrlsWithTheDefaultStream() {
        ClientArgs.Publish p = publish(List.of("--nats", "nats://n1,nats://n2:4223,tls://n3", "-c", "Fail2ban", "-m", BAN));
        assertNull(p.target());
        assertEquals(List.of(java.net.URI.create("nats://n1:4222"), java.net.URI.create("nats://n2:4223"),
                java.net.URI.create("tls://n3:4222")), p.nats().urls());
        assertEquals("FAIL2BAN_CLUSTER", p.nats().stream());
        assertEquals(Optional.of(TlsConfig.verifying("n1")), p.nats().tls(), "a tls:// URL turns TLS on");
        assertNull(publish(List.of("-c", "Fail2ban", "-m", BAN)).nats());
    }

    @Test
    void hostWithoutPortUsesFanoutsDefaultPort() {
        assertEquals(new FanoutDestination("h", 1986), publish(List.of("--host", "h", "-c", "x", "-m", "y")).target());
    }

    @Test
    void valuesAreNeverSplitOrExpanded() {
        // a value that looks like "--opt=value" or "@file" is still just the value
        assertEquals("--host=evil", publish(List.of("-c", "x", "-m", "--host=evil")).message());
        assertEquals("-p=3", publish(List.of("-c", "x", "-m=-p=3")).message());
        assertEquals("@/etc/passwd", publish(List.of("-c", "x", "-m", "@/etc/passwd")).message());
        assertEquals("a=b=c", publish(List.of("-c", "x", "--message=a=b=c")).message());
    }

    @Test
    void channelAndMessageAreNotValidatedHereButByTheProtocol() {
        // ClientMain refuses them through Command.Announce, with the protocol's own message
        assertEquals("a b", publish(List.of("-c", "a b", "-m", "x")).channel());
        assertEquals("x\ny", publish(List.of("-c", "a", "-m", "x\ny")).message());
    }

    @Test
    void helpAndVersion() {
        assertInstanceOf(ClientArgs.Help.class, ClientArgs.parse("--help"));
        assertInstanceOf(ClientArgs.Help.class, ClientArgs.parse("publish", "-h"));
        assertInstanceOf(ClientArgs.Version.class, ClientArgs.parse("--version"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "-m x",                          // no channel
        "-c x",                          // no message
        "-c x -m y -p 1234",             // a port without a host
        "-c x -m y --host h -p 0",
        "-c x -m y --host h -p 65536",
        "-c x -m y --host h -p many",
        "-c x -m y --timeout 0",
        "-c x -m y --timeout -1",
        "-c x -m y --timeout soon",
        "-c x -m y --timeout 0.0001",
        "-c x -m y --timeout 3601",
        "-c x -m y extra",
        "-c x -m y publish",
        "-c x -c y -m z",
        "-c x -m y --bogus",
        "-c x -m",
        "-c x -m y -",
        "-c x -m y --help=yes",
        "-c x -m y --tls",
        "-c x -m y --host h --ca-file ca.pem",
        "-c x -m y --host h --tls --cert-file c.pem",
        "-c x -m y --host h --tls --key-file k.pem",
        "-c x -m y --server-name n",
        "-c x -m y --host h --tls=yes",
        "-c x -m y --nats nats://h --host h",
        "-c x -m y --nats nats://h -p 4222",
        "-c x -m y --nats nats://h --tls",
        "-c x -m y --nats http://h",
        "-c x -m y --nats nats://h,",
        "-c a.b -m y --nats nats://h",
        "-c x -m y --agent --host h",
        "-c x -m y --agent --config c.yml",
        "-c x -m y --agent --secret-file k",
        "-c x -m y --agent --agent",
    })
    void malformedCommandLinesAreUsageErrors(String line) {
        assertThrows(UsageException.class, () -> ClientArgs.parse(line.split(" ")));
    }

    @Test
    void equalsSplitsOnlyKnownOptionsAndFlagsTakeNoValue() {
        assertThrows(UsageException.class, () -> ClientArgs.parse("-c", "x", "-m", "y", "--bogus=1"));
        assertThrows(UsageException.class, () -> ClientArgs.parse("-c", "x", "-m", "y", "--verbose=yes"));
        assertEquals("a=b", publish(List.of("-c=a=b", "-m", "y")).channel());
    }

    @Test
    void tlsOptionsWithHost() {
        assertEquals(Optional.empty(), publish(List.of("--host", "h", "-c", "x", "-m", "y")).target().tls());
        assertEquals(Optional.of(TlsConfig.verifying("h")),
                publish(List.of("--host", "h", "--tls", "-c", "x", "-m", "y")).target().tls());
        assertEquals(Optional.of(new TlsConfig("fanout.example", Optional.of(Path.of("ca.pem")),
                        Optional.of(Path.of("c.pem")), Optional.of(Path.of("k.pem")))),
                publish(List.of("--host=192.0.2.1", "--tls", "--ca-file=ca.pem", "--cert-file", "c.pem",
                        "--key-file", "k.pem", "--server-name", "fanout.example", "-c", "x", "-m", "y")).target().tls());
    }

    @Test
    void agentTakesAnOptionalSocket() {
        assertEquals(null, publish(List.of("-c", "x", "-m", "y")).agent());
        assertEquals(DefaultPaths.forThisProcess().controlSocket(), publish(List.of("publish", "--agent", "-c", "x", "-m", "y")).agent());
        assertEquals(DefaultPaths.forThisProcess().controlSocket(), publish(List.of("-c", "x", "-m", "y", "--agent")).agent());
        assertEquals(Path.of("/run/a.sock"), publish(List.of("--agent", "/run/a.sock", "-c", "x", "-m", "y")).agent());
        assertEquals(Path.of("/run/a.sock"), publish(List.of("-c", "x", "--agent=/run/a.sock", "-m", "y")).agent());
    }

    private static ClientArgs.Publish publish(List<String> argv) {
        return assertInstanceOf(ClientArgs.Publish.class, ClientArgs.parse(argv.toArray(String[]::new)));
    }
}
