package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.protocol.Message;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Valid files: the original format unchanged, every default, every optional key. */
class ConfigLoaderTest {

    private static final String MINIMAL = """
            servers:
              - host: h
                channels:
                  - name: c
            """;

    private static Path sample() throws URISyntaxException {
        return Path.of(ConfigLoaderTest.class.getResource("/fail2ban-cluster.yml").toURI());
    }

    @Test
    void originalSampleLoadsUnchanged() throws Exception {
        ClusterConfig config = ConfigLoader.load(sample());

        assertEquals(Optional.of(sample()), config.source());
        assertEquals(1, config.servers().size());
        ServerConfig server = config.servers().get(0);
        assertEquals("servers[0]", server.path());
        assertEquals("host.example.com", server.host());
        assertEquals(1234, server.port());
        assertEquals(Duration.ofSeconds(60), server.pingTimeout());
        assertEquals(Duration.ofSeconds(20), server.pingInterval());
        assertEquals(1, server.channels().size());

        ChannelConfig channel = server.channels().get(0);
        assertEquals("servers[0].channels[0]", channel.path());
        assertEquals("Fail2ban", channel.name());
        assertEquals("fail2ban-client set %jail% %action% %ip%", channel.action().orElseThrow().text());
        assertEquals(List.of(
                new FilterEntry("servers[0].channels[0].filter[0]", "action", List.of("banip", "unbanip")),
                new FilterEntry("servers[0].channels[0].filter[1]", "jail", List.of("sshd"))),
                channel.filters());

        assertEquals(3, config.logLevel());
        assertEquals(Optional.of(Path.of("/var/log/fail2ban-clusterd.log")), config.logFile());
        assertEquals(Optional.of(Path.of("/var/run/fail2ban-clusterd.pid")), config.pidFile());
        // It loads as before; only its unfiltered ip is pointed out.
        assertEquals(List.of("servers[0].channels[0] (Fail2ban): the action uses %ip% but no filter entry constrains 'ip', "
                + "so a publisher chooses that argument freely (strict: true makes this an error)"), config.warnings());
        assertEquals(false, config.strict());
        assertEquals(ClusterConfig.Limits.DEFAULTS, config.limits());
        assertEquals(Duration.ofSeconds(300), config.signatureWindow());
    }

    @Test
    void sampleActionRendersTheSeedExample() throws Exception {
        ActionTemplate action = ConfigLoader.load(sample()).servers().get(0).channels().get(0).action().orElseThrow();

        assertEquals(new ActionTemplate.Rendered.Argv(List.of("fail2ban-client", "set", "sshd", "banip", "192.0.2.7")),
                action.render("Fail2ban", Message.parse("jail=sshd, action=banip, ip=192.0.2.7")));
    }

    @Test
    void everyDefault() {
        // root's defaults, whoever runs the test (DefaultPathsTest has a user's)
        ClusterConfig config = ConfigLoader.parse(MINIMAL, "minimal.yml", DefaultPaths.SYSTEM);

        assertEquals(Optional.empty(), config.source());
        assertEquals(2, config.logLevel());
        assertEquals(Optional.empty(), config.logFile());
        assertEquals(Optional.empty(), config.pidFile());
        assertEquals(Duration.ofSeconds(1), config.reconnectMin());
        assertEquals(Duration.ofSeconds(60), config.reconnectMax());
        assertEquals(Duration.ofSeconds(5), config.dedupeWindow());
        assertEquals(4, config.execConcurrency());
        assertEquals(10_000, config.execQueue());
        assertEquals(Duration.ofSeconds(60), config.execTimeout());
        assertEquals(Path.of("/run/fail2ban-cluster/control.sock"), config.controlSocket());

        ServerConfig server = config.servers().get(0);
        assertEquals(1986, server.port());
        assertEquals(Duration.ofSeconds(60), server.pingTimeout());
        assertEquals(Duration.ofSeconds(20), server.pingInterval());
        ChannelConfig channel = server.channels().get(0);
        assertEquals(Optional.empty(), channel.action());
        assertEquals(List.of(), channel.filters());
    }

    @Test
    void everyKeySet() {
        ClusterConfig config = ConfigLoader.parse("""
                servers:
                  - host: a.example
                    port: 2000
                    ping_timeout: 1.5
                    ping_interval: 0.5
                    channels:
                      - name: Fail2ban
                        action: /usr/local/bin/ban %ip%
                        filter:
                          - key: port
                            values: [22, "22", 2_2, yes]
                  - host: "[2001:db8::1]"
                    channels:
                      - name: Fail2ban
                log_level: 0
                log_file: /tmp/f.log
                pid_file: /tmp/f.pid
                reconnect_min: 0.25
                reconnect_max: 30
                dedupe_window: 0
                exec_concurrency: 16
                exec_queue: 10_000
                exec_timeout: 2.5
                control_socket: /tmp/f.sock
                """, "full.yml");

        ServerConfig first = config.servers().get(0);
        assertEquals(2000, first.port());
        assertEquals(Duration.ofMillis(1500), first.pingTimeout());
        assertEquals(Duration.ofMillis(500), first.pingInterval());
        // Values are the scalar text as written: YAML's int/bool guesses never change what is compared.
        assertEquals(List.of("22", "22", "2_2", "yes"), first.channels().get(0).filters().get(0).values());
        ServerConfig second = config.servers().get(1);
        assertEquals("2001:db8::1", second.host());
        assertEquals("[2001:db8::1]:1986", second.address());

        assertEquals(0, config.logLevel());
        assertEquals(Optional.of(Path.of("/tmp/f.log")), config.logFile());
        assertEquals(Optional.of(Path.of("/tmp/f.pid")), config.pidFile());
        assertEquals(Duration.ofMillis(250), config.reconnectMin());
        assertEquals(Duration.ofSeconds(30), config.reconnectMax());
        assertEquals(Duration.ZERO, config.dedupeWindow());
        assertEquals(16, config.execConcurrency());
        assertEquals(10_000, config.execQueue());
        assertEquals(Duration.ofMillis(2500), config.execTimeout());
        assertEquals(Path.of("/tmp/f.sock"), config.controlSocket());
        assertEquals(List.of(first, second), config.serversWithChannel("Fail2ban"));
    }

    @Test
    void pingIntervalDefaultsToAThirdOfTheTimeout() {
        ServerConfig server = ConfigLoader.parse("""
                servers:
                  - host: h
                    ping_timeout: 9
                    channels:
                      - name: c
                """, "t.yml").servers().get(0);

        assertEquals(Duration.ofSeconds(3), server.pingInterval());
    }

    @Test
    void keyWithoutValueMeansDefault() {
        ClusterConfig config = ConfigLoader.parse("""
                servers:
                  - host: h
                    port:
                    channels:
                      - name: c
                        filter:
                log_file:
                """, "t.yml");

        assertEquals(1986, config.servers().get(0).port());
        assertEquals(List.of(), config.servers().get(0).channels().get(0).filters());
        assertEquals(Optional.empty(), config.logFile());
    }

    @Test
    void aliasesShareAChannelListBetweenServers() {
        ClusterConfig config = ConfigLoader.parse("""
                servers:
                  - host: a
                    channels: &shared
                      - name: Fail2ban
                        action: ban %ip%
                        filter: [{key: jail, values: [sshd]}]
                  - host: b
                    channels: *shared
                """, "t.yml");

        assertEquals(2, config.serversWithChannel("Fail2ban").size());
        assertEquals("servers[1].channels[0]", config.servers().get(1).channels().get(0).path());
        assertTrue(config.servers().get(1).channel("Fail2ban").orElseThrow().action().isPresent());
        assertFalse(config.servers().get(1).channel("fail2ban").isPresent());
    }

    @Test
    void loadReadsAFileWithAByteOrderMark(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bom.yml");
        Files.writeString(file, "\uFEFF" + MINIMAL);

        assertEquals("h", ConfigLoader.load(file).servers().get(0).host());
    }

    @Test
    void skipOwnAndHostname() {
        ClusterConfig config = ConfigLoader.parse("""
                servers:
                  - host: h
                    channels:
                      - name: c
                        action: "true"
                        skip_own: true
                      - name: d
                        action: "true"
                hostname: host-a.example.com
                """, "t.yml");
        List<ChannelConfig> channels = config.servers().get(0).channels();
        assertTrue(channels.get(0).skipOwn());
        assertFalse(channels.get(1).skipOwn());
        assertTrue(config.skipsOwnMessages());
        assertEquals("host-a.example.com", config.hostname());
    }

    @Test
    void batchIsPerChannelAndOffByDefault() {
        ClusterConfig config = ConfigLoader.parse("""
                servers:
                  - host: h
                    channels:
                      - name: c
                        action: "fail2ban-client set sshd banip %ip%"
                        batch: 200
                      - name: d
                        action: "true"
                """, "t.yml");
        List<ChannelConfig> channels = config.servers().get(0).channels();
        assertEquals(200, channels.get(0).batch());
        assertEquals(1, channels.get(1).batch());
    }

    @Test
    void successExitAddsStatusesThatCountAsSuccessAndActionRetryMaxBoundsTheBackoff() {
        ClusterConfig config = ConfigLoader.parse("""
                action_retry_max: 30
                servers:
                  - host: h
                    channels:
                      - name: c
                        action: "fail2ban-client set sshd banip %ip%"
                        success_exit: [0, 1]
                      - name: d
                        action: "true"
                """, "t.yml");
        List<ChannelConfig> channels = config.servers().get(0).channels();
        assertTrue(channels.get(0).succeeded(1));
        assertTrue(channels.get(0).succeeded(0));
        assertFalse(channels.get(0).succeeded(255));
        assertTrue(channels.get(1).succeeded(0));
        assertFalse(channels.get(1).succeeded(1));
        assertEquals(Duration.ofSeconds(30), config.actionRetryMax());
        assertEquals(ClusterConfig.DEFAULT_ACTION_RETRY_MAX, ConfigLoader.parse(MINIMAL, "minimal.yml").actionRetryMax());
    }

    @Test
    void hostnameDefaultsToTheMachinesName() {
        ClusterConfig config = ConfigLoader.parse(MINIMAL, "minimal.yml");
        assertEquals(Optional.empty(), config.configuredHostname());
        assertFalse(config.skipsOwnMessages());
        assertFalse(config.hostname().isBlank());
    }

    @Test
    void metricsIsOffByDefault() {
        assertEquals(Optional.empty(), ConfigLoader.parse(MINIMAL, "minimal.yml").metrics());
    }

    @Test
    void metricsTakesAPortAHostAndPortOrABracketedIpv6Address() {
        assertEquals(Optional.of(new ListenAddress("127.0.0.1", 9100)), metrics("9100"));
        assertEquals(Optional.of(new ListenAddress("0.0.0.0", 9100)), metrics("0.0.0.0:9100"));
        assertEquals(Optional.of(new ListenAddress("metrics.example.com", 9100)), metrics("metrics.example.com:9100"));
        assertEquals(Optional.of(new ListenAddress("::1", 9100)), metrics("\"[::1]:9100\""));
        assertEquals("[::1]:9100", metrics("\"[::1]:9100\"").orElseThrow().toString());
        assertEquals(Optional.empty(), metrics(""));
    }

    private static Optional<ListenAddress> metrics(String value) {
        return ConfigLoader.parse(MINIMAL + "metrics: " + value + "\n", "t.yml").metrics();
    }
}
