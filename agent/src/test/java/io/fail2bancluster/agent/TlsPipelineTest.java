package io.fail2bancluster.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.fanout.PipelineNames;
import io.fail2bancluster.agent.fanout.TlsContexts;
import io.fail2bancluster.agent.path.Route;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.config.ServerConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A {@code tls: true} server's pipeline: TLS first, the configured name verified and sent, failures closed quietly. */
class TlsPipelineTest {
    private static final String YAML = """
            servers:
              - host: 192.0.2.10
                port: 1987
                tls: true
                server_name: fanout.example
                channels:
                  - name: Fail2ban
                    action: "fail2ban-client set %jail% %action% %ip%"
            """;

    private final Fixtures.RecordingRunner runner = new Fixtures.RecordingRunner();
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        ServerConfig server = ConfigLoader.parse(YAML, "tls-test.yml").servers().get(0);
        channel = new EmbeddedChannel();
        Fixtures.assemble(channel, server, Map.of("Fail2ban", Route.of(server.channel("Fail2ban").orElseThrow(), null)),
                new ServerState(server.address()), runner, TlsContexts.forServer(server, server.tls().orElseThrow()));
        channel.pipeline().fireChannelActive();
    }

    @Test
    void tlsComesFirstAndVerifiesTheConfiguredName() {
        List<String> names = channel.pipeline().names();
        assertEquals(List.of(PipelineNames.TLS, PipelineNames.TLS_LOG, PipelineNames.FRAME), names.subList(0, 3));

        SslHandler tls = channel.pipeline().get(SslHandler.class);
        SSLParameters parameters = tls.engine().getSSLParameters();
        assertEquals("HTTPS", parameters.getEndpointIdentificationAlgorithm(), "hostname verification");
        assertEquals(List.of(new SNIHostName("fanout.example")), parameters.getServerNames(), "SNI");
        assertEquals("fanout.example", tls.engine().getPeerHost(), "the name checked against the certificate");
        assertTrue(tls.engine().getUseClientMode());
        channel.close();
        channel.releaseOutbound(); // the ClientHello and the closing alert
        assertFalse(channel.finish());
    }

    @Test
    void aServerSpeakingPlainTextFailsTheHandshakeAndIsClosedWithoutRunningAnything() {
        channel.releaseOutbound();
        channel.writeInbound(Unpooled.copiedBuffer("debug!connected...\nFail2ban!jail=sshd, action=banip, ip=192.0.2.7\n",
                StandardCharsets.US_ASCII));
        channel.checkException(); // the failure is logged by tls-log, not passed on as an error
        assertFalse(channel.isOpen());
        assertEquals(List.of(), runner.argvs());
        channel.releaseOutbound();
        assertFalse(channel.finish());
    }
}
