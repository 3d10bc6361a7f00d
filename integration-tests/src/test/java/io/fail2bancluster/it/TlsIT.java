package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.broker.Broker;
import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.broker.BrokerOptions;
import io.fail2bancluster.broker.BrokerTls;
import io.fail2bancluster.client.ClientMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS end to end with real processes: the broker serving TLS, the agent ({@code run}) and the client
 * connecting with hostname verification, client certificates, and a certificate for the wrong name.
 * The certificates are made by {@link TestPki} when the class starts.
 */
class TlsIT {
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @TempDir
    static Path pkiDir;
    private static TestPki pki;

    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws IOException {
        pki = TestPki.create(pkiDir);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void publishOverTlsReachesTheAgentAndRunsTheActionOnce() throws Exception {
        JavaProcess brokerProcess = keep(JavaProcess.start("broker", BrokerMain.class, "--bind=127.0.0.1", "--port=0",
                "--threads=1", "--tls-cert", pki.server.cert().toString(), "--tls-key", pki.server.key().toString()));
        int port = FanoutServer.awaitListeningPort(brokerProcess, WITHIN);
        RecordingAction action = RecordingAction.in(dir);
        // the certificate names localhost and 127.0.0.1: connect to the address, verify the name
        Path config = config(port, "server_name: localhost\n", action);
        JavaProcess agent = agent(config);
        agent.awaitLineContaining("127.0.0.1:" + port + ": connected", WITHIN);

        assertEquals(0, publish(config, "192.0.2.7"));
        assertEquals(List.of(List.of("192.0.2.7")), action.awaitRuns(1, agent));
        // a second ban arriving after the first proves the first ran exactly once
        assertEquals(0, publish(config, "192.0.2.8"));
        assertEquals(List.of(List.of("192.0.2.7"), List.of("192.0.2.8")), action.awaitRuns(2, agent));
    }

    @Test
    void brokerRequiringClientCertificatesAcceptsOnlyClientsThatHaveOne() {
        Broker broker = keep(Broker.start(BrokerOptions.defaults().withBindAddress("127.0.0.1").withPort(0)
                .withThreads(1).withTls(new BrokerTls(pki.server.cert(), pki.server.key(), Optional.of(pki.caCert)))));
        String port = String.valueOf(broker.port());

        JavaProcess withCertificate = client("--host", "127.0.0.1", "-p", port, "--tls", "--ca-file", pki.caCert.toString(),
                "--cert-file", pki.client.cert().toString(), "--key-file", pki.client.key().toString(),
                "-c", "Fail2ban", "-m", "ip=192.0.2.7");
        assertEquals(0, withCertificate.awaitExit(WITHIN), withCertificate.output());
        // the ping after the announce; nobody subscribes here, so the announce itself is not counted
        assertEquals(1, broker.stats().totalPings());

        JavaProcess without = client("--host", "127.0.0.1", "-p", port, "--tls", "--ca-file", pki.caCert.toString(),
                "-c", "Fail2ban", "-m", "ip=192.0.2.8");
        assertEquals(1, without.awaitExit(WITHIN), without.output());
        assertEquals(1, without.stderr().size(), without.output());
        String error = without.stderr().get(0);
        assertTrue(error.startsWith("fail2ban-cluster-client: 127.0.0.1:" + port + ": TLS "), error);
        assertTrue(error.contains("certificate"), error);
        assertEquals(1, broker.stats().totalPings(), "no command got through without a certificate");
    }

    @Test
    void certificateForAnotherNameIsRefusedByClientAndAgent() throws Exception {
        Broker broker = keep(Broker.start(BrokerOptions.defaults().withBindAddress("127.0.0.1").withPort(0)
                .withThreads(1).withTls(new BrokerTls(pki.wrongName.cert(), pki.wrongName.key(), Optional.empty()))));
        RecordingAction action = RecordingAction.in(dir);
        Path config = config(broker.port(), "", action);
        String reason = "No subject alternative names matching IP address 127.0.0.1 found";

        JavaProcess client = client("--config", config.toString(), "-c", "Fail2ban", "-m", "ip=192.0.2.7");
        assertEquals(1, client.awaitExit(WITHIN), client.output());
        assertEquals(List.of("fail2ban-cluster-client: 127.0.0.1:" + broker.port()
                + ": TLS handshake failed (server name 127.0.0.1): " + reason), client.stderr());

        JavaProcess agent = agent(config);
        agent.awaitLineContaining("127.0.0.1:" + broker.port() + ": TLS handshake failed (server name 127.0.0.1): "
                + reason, WITHIN);
        agent.awaitLineContaining("reconnecting in", WITHIN);
        assertFalse(agent.output().contains(": connected"), agent.output());
        assertEquals(0, broker.stats().totalPings(), "neither sent a command");
        assertEquals(0, broker.stats().currentSubscriptions(), "the agent never subscribed");
        assertEquals(List.of(), action.runs());
    }

    /** One TLS server with the CA of the test PKI, a channel whose action records the ip. */
    private Path config(int port, String tlsExtra, RecordingAction action) throws IOException {
        Path config = dir.resolve("cluster.yml");
        Files.writeString(config, """
                servers:
                  - host: 127.0.0.1
                    port: %d
                    tls: true
                    ca_file: %s
                %s    channels:
                      - name: Fail2ban
                        action: %s
                exec_concurrency: 1
                log_level: 2
                pid_file: %s
                control_socket: %s
                state_dir: %s
                reconnect_min: 0.2
                """.formatted(port, pki.caCert, tlsExtra.indent(4), action.action("%ip%"), dir.resolve("agent.pid"),
                dir.resolve("control.sock"), dir.resolve("state")));
        return config;
    }

    private JavaProcess agent(Path config) {
        return keep(JavaProcess.start("fail2ban-clusterd run", AgentMain.class, "--config", config.toString(), "run"));
    }

    private int publish(Path config, String ip) {
        JavaProcess client = client("--config", config.toString(), "-c", "Fail2ban", "-m", "jail=sshd, ip=" + ip);
        return client.awaitExit(WITHIN);
    }

    /** With a long deadline: a first TLS handshake in cold JVMs on a busy machine can take seconds. */
    private JavaProcess client(String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.add("--timeout=30");
        return keep(JavaProcess.start("client", ClientMain.class, argv.toArray(String[]::new)));
    }

    private <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }
}
