package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nats:} server entries beside fanout ones, and {@code state_dir}. */
class NatsConfigTest {

    private static ClusterConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "test.yml");
    }

    private static void assertError(String expected, String yaml) {
        assertEquals(expected, assertThrows(ConfigException.class, () -> parse(yaml)).getMessage());
    }

    /** One NATS entry with one channel; {@code extra} lines go on the entry (indented 4). */
    private static String nats(String extra) {
        return """
                servers:
                  - nats: [nats://127.0.0.1:4222]
                    channels:
                      - name: Fail2ban
                        action: "fail2ban-client set %jail% %action% %ip%"
                """ + extra.indent(4);
    }

    @Test
    void aNatsEntryWithDefaults() {
        // root's defaults, whoever runs the test (DefaultPathsTest has a user's)
        ClusterConfig config = ConfigLoader.parse(nats(""), "test.yml", DefaultPaths.SYSTEM);
        assertEquals(List.of(), config.servers());
        NatsServerConfig server = config.natsServers().get(0);
        assertEquals("servers[0]", server.path());
        assertEquals(List.of(URI.create("nats://127.0.0.1:4222")), server.urls());
        assertEquals("FAIL2BAN_CLUSTER", server.stream());
        assertEquals(OptionalInt.empty(), server.replicas());
        assertEquals(Duration.ofDays(30), server.retention());
        assertEquals(NatsAuth.NONE, server.auth());
        assertTrue(server.tls().isEmpty());
        assertEquals("Fail2ban", server.channels().get(0).name());
        assertEquals("servers[0].channels[0]", server.channels().get(0).path());
        assertEquals(Path.of("/var/lib/fail2ban-cluster"), config.stateDir());
    }

    @Test
    void bothKindsListedKeepTheirOwnPathsAndOrder() {
        ClusterConfig config = parse("""
                state_dir: /srv/f2bc
                servers:
                  - host: fanout1
                    channels: [{name: Fail2ban}]
                  - nats:
                      - nats://n1:4222
                      - nats://n2
                    stream: BANS
                    replicas: 3
                    retention: 86400
                    channels: [{name: Fail2ban, skip_own: true}]
                """);
        assertEquals("servers[0]", config.servers().get(0).path());
        NatsServerConfig nats = config.natsServers().get(0);
        assertEquals("servers[1]", nats.path());
        assertEquals(List.of(URI.create("nats://n1:4222"), URI.create("nats://n2:4222")), nats.urls());
        assertEquals("nats://n1:4222,nats://n2:4222", nats.address());
        assertEquals("BANS", nats.stream());
        assertEquals(OptionalInt.of(3), nats.replicas());
        assertEquals(Duration.ofDays(1), nats.retention());
        assertTrue(nats.channels().get(0).skipOwn());
        assertEquals(List.of(nats), config.natsServersWithChannel("Fail2ban"));
        assertEquals(Path.of("/srv/f2bc"), config.stateDir());
    }

    @Test
    void aSingleUrlNeedNotBeAList() {
        assertEquals(List.of(URI.create("nats://h:4222")),
                parse(nats("").replace("[nats://127.0.0.1:4222]", "nats://h")).natsServers().get(0).urls());
    }

    @Test
    void badUrlsNameTheirPlace() {
        assertError("test.yml: servers[0].nats[0]: expected nats://host:port or tls://host:port, got http://h:80, line 2",
                nats("").replace("nats://127.0.0.1:4222", "http://h:80"));
        assertError("test.yml: servers[0].nats[0]: credentials do not belong in the URL (it is printed in logs and by "
                        + "check); use user + password_file, token_file, nkey_file or creds_file, line 2",
                nats("").replace("nats://127.0.0.1", "nats://u:p@127.0.0.1"));
        assertError("test.yml: servers[0].nats[1]: listed twice, line 2",
                nats("").replace("[nats://127.0.0.1:4222]", "[nats://a, nats://a:4222]"));
        assertError("test.yml: servers[0].nats: needs at least one URL, line 2",
                nats("").replace("[nats://127.0.0.1:4222]", "[]"));
    }

    @Test
    void hostAndNatsInOneEntryIsAnError() {
        assertError("test.yml: servers[0].host: a server entry is either a fanout server (host, port) or a NATS "
                + "cluster (nats: [URL, ...]), not both, line 6", nats("host: h"));
    }

    @Test
    void fanoutOnlyKeysAreUnknownOnNats() {
        assertError("test.yml: servers[0].port: unknown key; the keys here are nats, stream, replicas, retention, "
                        + "creds_file, nkey_file, user, password_file, token_file, tls, ca_file, cert_file, key_file, "
                        + "server_name, channels, line 6", nats("port: 4222"));
    }

    @Test
    void streamAndChannelNamesAreSubjectTokens() {
        assertError("test.yml: servers[0].stream: a stream name is letters, digits, '_' and '-' (at most 64), got a.b, "
                + "line 6", nats("stream: a.b"));
        assertError("test.yml: servers[0].channels[0].name: a channel on a NATS server is letters, digits, '_' and '-' "
                + "(it is a subject token), got ban.s, line 4", nats("").replace("name: Fail2ban", "name: ban.s"));
    }

    @Test
    void replicasAndRetentionAreChecked() {
        assertError("test.yml: servers[0].replicas: must be between 1 and 5, got 7, line 6", nats("replicas: 7"));
        assertError("test.yml: servers[0].retention: must be more than 0 seconds, line 6", nats("retention: 0"));
    }

    @Test
    void authIsOneKindAndItsFilesMustBeReadable(@TempDir Path dir) throws IOException {
        Path creds = Files.writeString(dir.resolve("c.creds"), "x");
        Path password = Files.writeString(dir.resolve("pw"), "secret\n");
        NatsAuth auth = parse(nats("creds_file: " + creds)).natsServers().get(0).auth();
        assertEquals(creds, auth.credsFile().orElseThrow());
        assertEquals("creds_file " + creds, auth.describe());
        NatsAuth user = parse(nats("user: alice\npassword_file: " + password)).natsServers().get(0).auth();
        assertEquals("user alice (password_file " + password + ")", user.describe());

        assertError("test.yml: servers[0].token_file: a NATS server takes one way to authenticate; creds_file and "
                + "token_file are both given, line 7", nats("creds_file: " + creds + "\ntoken_file: " + password));
        assertError("test.yml: servers[0].user: user and password_file go together, line 6", nats("user: alice"));
        assertError("test.yml: servers[0].nkey_file: cannot read " + dir.resolve("missing") + ", line 6",
                nats("nkey_file: " + dir.resolve("missing")));
    }

    @Test
    void tlsUrlsTurnTlsOnAndServerNameIsRefused() {
        NatsServerConfig server = parse(nats("").replace("nats://127.0.0.1", "tls://127.0.0.1")).natsServers().get(0);
        assertTrue(server.tls().isPresent());
        assertError("test.yml: servers[0].tls: a tls:// URL needs TLS; remove tls: false or use nats:// URLs, line 6",
                nats("tls: false").replace("nats://127.0.0.1", "tls://127.0.0.1"));
        assertError("test.yml: servers[0].server_name: not used on a NATS server: each URL's host is the name its "
                + "certificate must carry, line 7", nats("tls: true\nserver_name: x"));
    }

    @Test
    void strictAppliesToNatsChannelsAsToFanoutOnes() {
        assertError("test.yml: servers[0].channels[0].action: the action uses %jail% but no filter entry constrains "
                        + "'jail', so a publisher chooses that argument freely; strict: true needs a filter entry "
                        + "(values or pattern) for every placeholder, line 6", "strict: true\n" + nats(""));
    }

    @Test
    void warningsCoverNatsChannels() {
        ClusterConfig config = parse(nats("").replace("        action: \"fail2ban-client set %jail% %action% %ip%\"\n", ""));
        assertTrue(config.warnings().contains("servers[0].channels[0] (Fail2ban): no action, messages on this channel "
                + "run nothing"), config.warnings().toString());
    }
}
