package io.fail2bancluster.agent.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.assembly.Agent;
import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.agent.path.Route;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ActionTemplate;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.config.ServerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The assembled pipeline, fed raw bytes as a fanout server sends them, with the config loaded from YAML. */
class ServerPipelineTest {
    private static final String YAML = """
            servers:
              - host: fanout.example
                port: 1234
                ping_timeout: 60
                channels:
                  - name: Fail2ban
                    action: "fail2ban-client set %jail% %action% %ip%"
                    filter:
                      - key: action
                        values: [banip, unbanip]
                      - key: jail
                        values: [sshd]
                  - name: PublishOnly
            """;

    private final Fixtures.RecordingRunner runner = new Fixtures.RecordingRunner();
    private ServerState state;
    private EmbeddedChannel channel;
    private ServerLink initializer;
    private ServerConfig server;

    @BeforeEach
    void setUp() {
        ClusterConfig config = ConfigLoader.parse(YAML, "pipeline-test.yml");
        server = config.servers().get(0);
        state = new ServerState(server.address());
        channel = new EmbeddedChannel();
        channel.freezeTime();
        initializer = Fixtures.assemble(channel, server,
                Map.of("Fail2ban", Route.of(server.channel("Fail2ban").orElseThrow(), null)), state, runner, null);
        channel.pipeline().fireChannelActive();
    }

    private void receive(String bytes) {
        channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.UTF_8));
    }

    @Test
    void handlersStandInTheDocumentedOrder() {
        List<String> names = channel.pipeline().names().stream().filter(PipelineNames.IN_ORDER::contains).toList();
        assertEquals(PipelineNames.IN_ORDER, names);
        channel.releaseOutbound();
        assertFalse(channel.finish());
    }

    @Test
    void subscribesOnConnectAndRunsOnlyWhatPasses() {
        ByteBuf subscribe = channel.readOutbound();
        assertEquals("subscribe Fail2ban\n", subscribe.toString(StandardCharsets.UTF_8));
        subscribe.release();
        assertNull(channel.readOutbound());
        receive("debug!connected...\nFail2ban!jail=sshd, action=banip, ip=192.0.2.7\r\n"
                + "Fail2ban!jail=nginx, action=banip, ip=192.0.2.8\n1795620628\nall!everybody\nhel");
        receive("lo\nFail2ban!jail=sshd, action=unbanip, ip=1.2.3.4; rm -rf /\n");
        assertEquals(List.of(List.of("fail2ban-client", "set", "sshd", "banip", "192.0.2.7"),
                List.of("fail2ban-client", "set", "sshd", "unbanip", "1.2.3.4; rm -rf /")), runner.argvs());
        assertEquals(4, state.count(Counter.RECEIVED));
        assertEquals(2, state.count(Counter.FILTERED_OUT));
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void anExceptionAHandlerLetsThroughIsCountedAndTheConnectionStays() {
        // a bug planted in the chain: the action's renderer throws on one ip
        ActionTemplate template = ActionTemplate.parse("fail2ban-client set %jail% %action% %ip%");
        initializer.routes(new ChannelRoutes(Map.of("Fail2ban", Fixtures.route("Fail2ban", List.of(), (c, m) -> {
            if ("192.0.2.66".equals(m.get("ip"))) {
                throw new IllegalStateException("planted failure");
            }
            return template.render(c, m);
        }, "planted")), Map.of()));
        channel.releaseOutbound();
        assertEquals(PipelineNames.ERRORS, channel.pipeline().names().get(channel.pipeline().names().size() - 2),
                "the terminal handler is the last of ours (before Netty's tail)");
        receive("debug!connected...\nFail2ban!jail=sshd, action=banip, ip=192.0.2.66\n"
                + "Fail2ban!jail=sshd, action=banip, ip=192.0.2.66\nFail2ban!jail=sshd, action=banip, ip=192.0.2.9\n");
        assertEquals(2, state.count(Counter.ERRORS));
        assertTrue(channel.isActive(), "a handler's bug does not cost the connection");
        assertEquals(List.of(List.of("fail2ban-client", "set", "sshd", "banip", "192.0.2.9")), runner.argvs(),
                "the next message still runs");
        assertEquals(3, state.count(Counter.RECEIVED));
        assertFalse(channel.finish());
    }

    @Test
    void anOverlongLineIsSkippedAndTheNextOneStillRuns() {
        channel.releaseOutbound();
        receive("Fail2ban!jail=sshd, action=banip, ip=" + "9".repeat(70_000) + "\n"
                + "Fail2ban!jail=sshd, action=banip, ip=192.0.2.9\n");
        assertEquals(List.of(List.of("fail2ban-client", "set", "sshd", "banip", "192.0.2.9")), runner.argvs());
        assertFalse(channel.finish());
    }

    /** The same server after a reload: Fail2ban publish-only now, PublishOnly given an action. */
    private static ChannelRoutes reloaded() {
        ServerConfig server = ConfigLoader.parse("""
                servers:
                  - host: fanout.example
                    port: 1234
                    ping_timeout: 60
                    channels:
                      - name: Fail2ban
                      - name: PublishOnly
                        action: "echo %ip%"
                """, "pipeline-test-reloaded.yml").servers().get(0);
        return ChannelRoutes.of(server, (String) null);
    }

    /** The next outbound bytes as text (released), or null. */
    private static String written(EmbeddedChannel from) {
        ByteBuf out = from.readOutbound();
        try {
            return out == null ? null : out.toString(StandardCharsets.UTF_8);
        } finally {
            if (out != null) {
                out.release();
            }
        }
    }

    @Test
    void aSwapChangesTheLiveConnectionsSubscriptionsAndRoutesWithoutReconnecting() {
        assertEquals("subscribe Fail2ban\n", written(channel));
        receive("debug!connected...\nFail2ban!jail=sshd, action=banip, ip=192.0.2.7\n");

        initializer.routes(reloaded());

        assertEquals("unsubscribe Fail2ban\n", written(channel));
        assertEquals("subscribe PublishOnly\n", written(channel));
        assertNull(channel.readOutbound());
        receive("Fail2ban!jail=sshd, action=banip, ip=192.0.2.8\nPublishOnly!ip=192.0.2.9\n");
        assertEquals(List.of(List.of("fail2ban-client", "set", "sshd", "banip", "192.0.2.7"),
                List.of("echo", "192.0.2.9")), runner.argvs());
        assertEquals(3, state.count(Counter.RECEIVED), "the same counters before and after");
        assertEquals(1, state.count(Counter.FILTERED_OUT));
        assertTrue(channel.isActive());
        assertFalse(channel.finish());
    }

    @Test
    void aSwapAfterTheConnectionClosedIsWhatTheNextConnectionStartsWith() {
        channel.releaseOutbound();
        channel.close();
        initializer.routes(reloaded());
        EmbeddedChannel next = new EmbeddedChannel();
        next.pipeline().addLast(new ServerPipeline(server, initializer, ClusterConfig.Limits.DEFAULTS.maxLine(), null,
                Agent.PROCESS_NAME));
        next.pipeline().fireChannelActive();
        assertEquals("subscribe PublishOnly\n", written(next));
        assertNull(written(next));
        assertFalse(channel.finish());
        assertFalse(next.finish());
    }
}
