package io.fail2bancluster.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

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
        assertEquals(1, state.count(Counter.RECEIVED));
        assertEquals(0, state.count(Counter.FILTERED_OUT));
        assertFalse(channel.finish());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jail=nginx, action=banip, ip=192.0.2.7", "action=banip, ip=192.0.2.7",
            "hello", "jail=sshd, action=ban, ip=192.0.2.7", "jail=SSHD, action=banip, ip=192.0.2.7",
            "jail=sshd action=banip"})
    void stopsWhenAnyEntryRefusesOrTheKeyIsMissing(String message) {
        assertNull(deliver(Fixtures.CHANNEL, message));
        assertEquals(1, state.count(Counter.RECEIVED));
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

    @Test
    void aSkipOwnChannelStopsWhatThisHostPublished() {
        assertNull(deliver("Cluster", "jail=sshd, action=banip, ip=192.0.2.7, source=host-a.example.com"));
        assertEquals(1, state.count(Counter.FILTERED_OUT));
        assertEquals("host-b.example.com",
                deliver("Cluster", "jail=sshd, action=banip, ip=192.0.2.7, source=host-b.example.com")
                        .message().get("source"));
        assertEquals("jail=sshd, action=banip, ip=192.0.2.7",
                deliver("Cluster", "jail=sshd, action=banip, ip=192.0.2.7").message().raw());
        assertEquals(3, state.count(Counter.RECEIVED));
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
}
