package io.fail2bancluster.agent.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.protocol.Message;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RouteFilterTest {
    private ServerState state;
    private RouteFilter channel;

    /** What passed the filter: the route it goes on with and the message. */
    private record Delivery(Route route, Message message) {
    }

    @BeforeEach
    void setUp() {
        state = new ServerState("fanout:1986");
        Route open = Fixtures.route("Open", List.of(), Fixtures::renderBan, "ban");
        Route skipOwn = Fixtures.route("Cluster", List.of(), Fixtures::renderBan, "ban", "host-a.example.com");
        channel = new RouteFilter(state,
                Map.of(Fixtures.CHANNEL, Fixtures.fail2banRoute(), "Open", open, "Cluster", skipOwn));
    }

    private Delivery deliver(String channelName, String message) {
        return deliver(channel, channelName, message);
    }

    private static Delivery deliver(RouteFilter filter, String channelName, String text) {
        Message message = Message.parse(text);
        Route route = filter.route(channelName, message, 0);
        return route == null ? null : new Delivery(route, message);
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
    }

    @ParameterizedTest
    @ValueSource(strings = {"jail=nginx, action=banip, ip=192.0.2.7", "action=banip, ip=192.0.2.7",
            "hello", "jail=sshd, action=ban, ip=192.0.2.7", "jail=SSHD, action=banip, ip=192.0.2.7",
            "jail=sshd action=banip"})
    void stopsWhenAnyEntryRefusesOrTheKeyIsMissing(String message) {
        assertNull(deliver(Fixtures.CHANNEL, message));
        assertEquals(1, state.count(Counter.FILTERED_OUT));
    }

    @Test
    void aChannelWithoutFiltersPassesEverything() {
        assertEquals("hello", deliver("Open", "hello").message().raw());
    }

    @Test
    void channelsNotConfiguredHereNeverPass() {
        assertNull(deliver("all", "jail=sshd, action=banip, ip=192.0.2.7"));
        assertNull(deliver("fail2ban", "jail=sshd, action=banip, ip=192.0.2.7"));
        assertEquals(2, state.count(Counter.FILTERED_OUT));
    }

    @Test
    void theDeliveryCarriesTheParsedMessage() {
        Delivery delivery = deliver(Fixtures.CHANNEL, "jail=sshd, action=banip, ip=192.0.2.7");
        assertInstanceOf(Delivery.class, delivery);
        assertEquals("sshd", delivery.message().get("jail"));
    }

    /** The channel of the config: {@code ban %jail% %ip%}, ip constrained by a pattern that allows "-1", jail not at all. */
    private RouteFilter guarded() {
        ChannelConfig config = ConfigLoader.parse("""
                servers:
                  - host: h
                    channels:
                      - name: Fail2ban
                        action: ban %jail% %ip% %_channel%
                        filter: [{key: ip, pattern: '-?[0-9.:a-f]+'}]
                        ignore_ip: [10.0.0.0/8, '2001:db8::/32', 192.0.2.7]
                """, "t.yml").servers().get(0).channels().get(0);
        return new RouteFilter(state, Map.of("Fail2ban", Route.of(config, null)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.1.2.3", "2001:db8::1", "192.0.2.7", "::ffff:10.0.0.1"})
    void ignoreIpIsNeverActedOn(String ip) {
        RouteFilter guarded = guarded();
        assertNull(deliver(guarded, "Fail2ban", "jail=sshd, ip=" + ip));
        assertEquals(1, state.count(Counter.FILTERED_OUT));
        assertInstanceOf(Delivery.class, deliver(guarded, "Fail2ban", "jail=sshd, ip=192.0.2.8"));
    }

    @Test
    void aLeadingDashIsRefusedUnlessAPatternAllowsIt() {
        RouteFilter guarded = guarded();
        assertNull(deliver(guarded, "Fail2ban", "jail=--config=/tmp/x, ip=192.0.2.8"), "jail has no pattern, so no dash");
        assertEquals(1, state.count(Counter.REJECTED));
        assertEquals("-1", deliver(guarded, "Fail2ban", "jail=sshd, ip=-1").message().get("ip"), "ip's pattern matches -1");
        assertInstanceOf(Delivery.class, deliver(guarded, "Fail2ban", "jail=sshd, ip=192.0.2.8, note=-x"),
                "a value the action does not use may start with -");
        assertEquals(1, state.count(Counter.REJECTED));
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
    }

    @Test
    void withoutSkipOwnThisHostsMessagesRun() {
        assertEquals("host-a.example.com",
                deliver("Open", "jail=sshd, action=banip, ip=192.0.2.7, source=host-a.example.com")
                        .message().get("source"));
    }

    @Test
    void aReloadsRoutesApplyFromTheNextMessage() {
        Route mail = Fixtures.route("Mail", List.of(), Fixtures::renderBan, "ban");
        channel.routes(Map.of("Open", open(), "Mail", mail));
        assertNull(deliver(Fixtures.CHANNEL, "jail=sshd, action=banip, ip=192.0.2.7"), "a removed channel runs nothing");
        assertEquals(1, state.count(Counter.FILTERED_OUT));
        assertEquals(mail, deliver("Mail", "jail=postfix, action=banip, ip=192.0.2.7").route());
        assertEquals("Open", deliver("Open", "jail=sshd, action=banip, ip=192.0.2.7").route().channel());
    }

    private static Route open() {
        return Fixtures.route("Open", List.of(), Fixtures::renderBan, "ban");
    }
}
