package io.fail2bancluster.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.protocol.ServerLine;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FilterHandlerTest {
    private ServerState state;
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        state = new ServerState("fanout:1986");
        Route open = new Route("Open", List.of(), Fixtures::renderBan, "ban");
        Route skipOwn = new Route("Cluster", List.of(), Fixtures::renderBan, "ban", "host-a.example.com");
        channel = new EmbeddedChannel(new FilterHandler("fanout:1986",
                Map.of(Fixtures.CHANNEL, Fixtures.fail2banRoute(), "Open", open, "Cluster", skipOwn), state));
    }

    private Delivery deliver(String channelName, String message) {
        channel.writeInbound(new ServerLine.ChannelMessage(channelName, message));
        return channel.readInbound();
    }

    @ParameterizedTest
    @ValueSource(strings = {"jail=sshd, action=banip, ip=192.0.2.7", "jail=sshd, action=unbanip, ip=192.0.2.7",
            "action=banip,jail=sshd,ip=192.0.2.7,extra=x"})
    void passesWhenEveryEntryAccepts(String message) {
        Delivery delivery = deliver(Fixtures.CHANNEL, message);
        assertEquals(message, delivery.message().raw());
        assertEquals(Fixtures.CHANNEL, delivery.route().channel());
        assertEquals("192.0.2.7", delivery.message().get("ip"));
        assertEquals(0, state.count(Counter.FILTERED_OUT));
        assertFalse(channel.finish());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jail=nginx, action=banip, ip=192.0.2.7", "action=banip, ip=192.0.2.7",
            "hello", "jail=sshd, action=ban, ip=192.0.2.7", "jail=SSHD, action=banip, ip=192.0.2.7",
            "jail=sshd action=banip"})
    void stopsWhenAnyEntryRefusesOrTheKeyIsMissing(String message) {
        assertNull(deliver(Fixtures.CHANNEL, message));
        assertEquals(1, state.count(Counter.FILTERED_OUT));
        assertFalse(channel.finish());
    }

    @Test
    void aChannelWithoutFiltersPassesEverything() {
        assertEquals("hello", deliver("Open", "hello").message().raw());
        assertFalse(channel.finish());
    }

    @Test
    void channelsNotConfiguredHereNeverPass() {
        assertNull(deliver("all", "jail=sshd, action=banip, ip=192.0.2.7"));
        assertNull(deliver("fail2ban", "jail=sshd, action=banip, ip=192.0.2.7"));
        assertEquals(2, state.count(Counter.FILTERED_OUT));
        assertFalse(channel.finish());
    }

    @Test
    void linesThatAreNotChannelMessagesStopHere() {
        channel.writeInbound(ServerLine.parse("debug!connected..."));
        channel.writeInbound(ServerLine.parse("1795620628"));
        channel.writeInbound(ServerLine.parse("uptime: 0d"));
        channel.writeInbound(ServerLine.parse("hello"));
        assertNull(channel.readInbound());
        assertEquals(0, state.count(Counter.RECEIVED));
        assertFalse(channel.finish());
    }

    @Test
    void theDeliveryCarriesTheParsedMessage() {
        Delivery delivery = deliver(Fixtures.CHANNEL, "jail=sshd, action=banip, ip=192.0.2.7");
        assertInstanceOf(Delivery.class, delivery);
        assertEquals("sshd", delivery.message().get("jail"));
        assertFalse(channel.finish());
    }

    /** The channel of the config: {@code ban %jail% %ip%}, ip constrained by a pattern that allows "-1", jail not at all. */
    private EmbeddedChannel guarded() {
        ChannelConfig config = ConfigLoader.parse("""
                servers:
                  - host: h
                    channels:
                      - name: Fail2ban
                        action: ban %jail% %ip% %_channel%
                        filter: [{key: ip, pattern: '-?[0-9.:a-f]+'}]
                        ignore_ip: [10.0.0.0/8, '2001:db8::/32', 192.0.2.7]
                """, "t.yml").servers().get(0).channels().get(0);
        return new EmbeddedChannel(new FilterHandler("fanout:1986", Map.of("Fail2ban", Route.of(config, null)), state));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.1.2.3", "2001:db8::1", "192.0.2.7", "::ffff:10.0.0.1"})
    void ignoreIpIsNeverActedOn(String ip) {
        EmbeddedChannel guarded = guarded();
        guarded.writeInbound(new ServerLine.ChannelMessage("Fail2ban", "jail=sshd, ip=" + ip));
        assertNull(guarded.readInbound());
        assertEquals(1, state.count(Counter.FILTERED_OUT));
        guarded.writeInbound(new ServerLine.ChannelMessage("Fail2ban", "jail=sshd, ip=192.0.2.8"));
        assertInstanceOf(Delivery.class, guarded.readInbound());
        assertFalse(guarded.finish());
    }

    @Test
    void aLeadingDashIsRefusedUnlessAPatternAllowsIt() {
        EmbeddedChannel guarded = guarded();
        guarded.writeInbound(new ServerLine.ChannelMessage("Fail2ban", "jail=--config=/tmp/x, ip=192.0.2.8"));
        assertNull(guarded.readInbound(), "jail has no pattern, so no dash");
        assertEquals(1, state.count(Counter.REJECTED));
        guarded.writeInbound(new ServerLine.ChannelMessage("Fail2ban", "jail=sshd, ip=-1"));
        assertEquals("-1", ((Delivery) guarded.readInbound()).message().get("ip"), "ip's pattern matches -1");
        guarded.writeInbound(new ServerLine.ChannelMessage("Fail2ban", "jail=sshd, ip=192.0.2.8, note=-x"));
        assertInstanceOf(Delivery.class, guarded.readInbound(), "a value the action does not use may start with -");
        assertEquals(1, state.count(Counter.REJECTED));
        assertFalse(guarded.finish());
    }

    @Test
    void aSkipOwnChannelStopsWhatThisHostPublished() {
        assertNull(deliver("Cluster", "jail=sshd, action=banip, ip=192.0.2.7, source=host-a.example.com"));
        assertEquals(1, state.count(Counter.FILTERED_OUT));
        assertEquals("host-b.example.com",
                deliver("Cluster", "jail=sshd, action=banip, ip=192.0.2.7, source=host-b.example.com")
                        .message().get("source"));
        assertEquals("jail=sshd, action=banip, ip=192.0.2.7",
                deliver("Cluster", "jail=sshd, action=banip, ip=192.0.2.7").message().raw());
        assertEquals(1, state.count(Counter.FILTERED_OUT));
        assertFalse(channel.finish());
    }

    @Test
    void withoutSkipOwnThisHostsMessagesRun() {
        assertEquals("host-a.example.com",
                deliver("Open", "jail=sshd, action=banip, ip=192.0.2.7, source=host-a.example.com")
                        .message().get("source"));
        assertFalse(channel.finish());
    }

    @Test
    void aReloadsRoutesApplyFromTheNextMessage() {
        Route mail = new Route("Mail", List.of(), Fixtures::renderBan, "ban");
        channel.pipeline().fireUserEventTriggered(new ChannelRoutes(Map.of("Open", open(), "Mail", mail), Map.of()));
        assertNull(deliver(Fixtures.CHANNEL, "jail=sshd, action=banip, ip=192.0.2.7"), "a removed channel runs nothing");
        assertEquals(1, state.count(Counter.FILTERED_OUT));
        assertEquals(mail, deliver("Mail", "jail=postfix, action=banip, ip=192.0.2.7").route());
        assertEquals("Open", deliver("Open", "jail=sshd, action=banip, ip=192.0.2.7").route().channel());
        assertFalse(channel.finish());
    }

    private static Route open() {
        return new Route("Open", List.of(), Fixtures::renderBan, "ban");
    }
}
