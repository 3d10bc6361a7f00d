package io.fail2bancluster.agent.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.status.OutboxStatus;
import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.Message;
import io.fail2bancluster.protocol.MessageSignature;
import io.fail2bancluster.protocol.ServerLine;
import io.fail2bancluster.protocol.Wire;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox delivered over fanout connections: announce, ping, confirmed by the ping's answer. */
class DeliveryHandlerTest {
    /** An unsigned server's delivery, carrying one channel. */
    private static FanoutDelivery unsigned(String name, String channel, Outbox outbox) {
        return new FanoutDelivery(name, Set.of(channel), Map.of(), outbox, Clock.systemUTC(), new Random());
    }

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T22:00:00Z"), ZoneOffset.UTC);
    private static final ServerLine GREETING = new ServerLine.DebugLine(Wire.GREETING.substring("debug!".length()));
    private static final ServerLine.PingReply PONG = new ServerLine.PingReply(1795620628);

    @TempDir
    Path dir;

    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private Outbox outbox;

    private Outbox open() throws IOException {
        // the test thread is the event loop: hand-overs run at once
        outbox = new Outbox(OutboxStore.open(dir, 1000), Runnable::run, Executors.newSingleThreadExecutor(), CLOCK);
        return outbox;
    }

    /** An outbox delivering to these servers, each carrying Fail2ban. */
    private List<FanoutDelivery> servers(String... names) throws IOException {
        open();
        List<FanoutDelivery> servers = new ArrayList<>();
        for (String name : names) {
            servers.add(unsigned(name, "Fail2ban", outbox));
        }
        outbox.start(List.copyOf(servers), List.of());
        return servers;
    }

    private EmbeddedChannel connect(FanoutDelivery delivery) {
        EmbeddedChannel channel = new EmbeddedChannel(delivery.newHandler());
        channels.add(channel);
        return channel;
    }

    @AfterEach
    void tearDown() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        if (outbox != null) {
            outbox.close();
        }
    }

    private void publish(String message) {
        assertTrue(outbox.publishCommand().apply("Fail2ban " + message).isOk());
    }

    private static List<Object> written(EmbeddedChannel channel) {
        List<Object> out = new ArrayList<>();
        for (Object m; (m = channel.readOutbound()) != null; ) {
            out.add(m);
        }
        return out;
    }

    private static Command.Announce announce(String message) {
        return new Command.Announce("Fail2ban", message);
    }

    /** What the outbox still holds on disk once its writer is done. */
    private List<OutboxStore.Entry> onDisk() throws IOException {
        outbox.close();
        return OutboxStore.open(dir, 1000).entries();
    }

    @Test
    void announcesOnceGreetedAndTheEntryLeavesWhenThePingIsAnswered() throws IOException {
        FanoutDelivery server = servers("a:1986").get(0);
        EmbeddedChannel channel = connect(server);
        publish("ip=192.0.2.1");
        assertEquals(List.of(), written(channel), "nothing before the server greeted us");

        channel.writeInbound(GREETING);
        assertEquals(List.of(announce("ip=192.0.2.1"), Command.Ping.INSTANCE), written(channel));
        assertEquals(1, outbox.status().depth());

        channel.writeInbound(PONG);
        assertEquals(0, outbox.status().depth());
        assertEquals(1, outbox.status().delivered());
        assertEquals(List.of(), onDisk());
        // the lines travel on: the session still sees the greeting and the answer
        assertEquals(GREETING, channel.readInbound());
        assertEquals(PONG, channel.readInbound());
    }

    @Test
    void theAnswerToALivenessPingWrittenBeforeTheAnnounceConfirmsNothing() throws IOException {
        FanoutDelivery server = servers("a:1986").get(0);
        EmbeddedChannel channel = connect(server);
        channel.writeInbound(GREETING);
        channel.writeOutbound(Command.Ping.INSTANCE); // the liveness handler's, further up the pipeline
        publish("ip=192.0.2.1");
        assertEquals(List.of(Command.Ping.INSTANCE, announce("ip=192.0.2.1"), Command.Ping.INSTANCE), written(channel));

        channel.writeInbound(PONG);
        assertEquals(1, outbox.status().depth(), "the first answer is the liveness ping's");
        channel.writeInbound(PONG);
        assertEquals(0, outbox.status().depth());
    }

    @Test
    void atMostAWindowWaitsForConfirmationAndTheRestFollowsTheAnswer() throws IOException {
        FanoutDelivery server = servers("a:1986").get(0);
        int total = FanoutDelivery.WINDOW + 5;
        for (int i = 0; i < total; i++) {
            publish("ip=192.0.2." + i);
        }
        EmbeddedChannel channel = connect(server);
        channel.writeInbound(GREETING);
        List<Object> first = written(channel);
        assertEquals(FanoutDelivery.WINDOW + 1, first.size());
        assertEquals(Command.Ping.INSTANCE, first.get(first.size() - 1));

        channel.writeInbound(PONG);
        List<Object> rest = written(channel);
        assertEquals(6, rest.size(), rest.toString());
        assertEquals(announce("ip=192.0.2." + FanoutDelivery.WINDOW), rest.get(0));
        channel.writeInbound(PONG);
        assertEquals(0, outbox.status().depth());
        assertEquals(total, outbox.status().delivered());
    }

    @Test
    void whatAClosedConnectionHadNotHadConfirmedIsSentAgainOnTheNext() throws IOException {
        FanoutDelivery server = servers("a:1986").get(0);
        EmbeddedChannel first = connect(server);
        first.writeInbound(GREETING);
        publish("ip=192.0.2.1");
        assertEquals(List.of(announce("ip=192.0.2.1"), Command.Ping.INSTANCE), written(first));
        first.close();
        publish("ip=192.0.2.2");

        EmbeddedChannel second = connect(server);
        second.writeInbound(GREETING);
        assertEquals(List.of(announce("ip=192.0.2.1"), announce("ip=192.0.2.2"), Command.Ping.INSTANCE), written(second));
        second.writeInbound(PONG);
        assertEquals(0, outbox.status().depth());
    }

    @Test
    void anEntryLeavesOnlyWhenEveryServerCarryingItsChannelHasItAndARestartSendsItToTheOthersOnly()
            throws IOException {
        open();
        FanoutDelivery a = unsigned("a:1986", "Fail2ban", outbox);
        FanoutDelivery b = unsigned("b:1986", "Fail2ban", outbox);
        FanoutDelivery other = unsigned("c:1986", "Other", outbox);
        outbox.start(List.of(a, b, other), List.of());
        EmbeddedChannel toA = connect(a);
        EmbeddedChannel toC = connect(other);
        toA.writeInbound(GREETING);
        toC.writeInbound(GREETING);
        publish("ip=192.0.2.1");
        written(toA);
        toA.writeInbound(PONG);
        assertEquals(List.of(), written(toC), "a server that does not carry the channel gets nothing");
        assertEquals(1, outbox.status().depth(), "b has not confirmed it");
        assertEquals(1, b.owed());

        List<OutboxStore.Entry> kept = onDisk();
        assertEquals(1, kept.size());
        assertEquals(Set.of("a:1986"), kept.get(0).confirmed());

        // the agent restarts: a has it already, b gets it
        Outbox again = new Outbox(OutboxStore.open(dir, 1000), Runnable::run, Executors.newSingleThreadExecutor(), CLOCK);
        outbox = again;
        FanoutDelivery a2 = unsigned("a:1986", "Fail2ban", again);
        FanoutDelivery b2 = unsigned("b:1986", "Fail2ban", again);
        again.start(List.of(a2, b2), kept);
        assertEquals(0, a2.owed());
        EmbeddedChannel toB = connect(b2);
        toB.writeInbound(GREETING);
        assertEquals(List.of(announce("ip=192.0.2.1"), Command.Ping.INSTANCE), written(toB));
        toB.writeInbound(PONG);
        assertEquals(List.of(), onDisk());
    }

    @Test
    void aServerListedTwiceGetsEachEntryOnce() throws IOException {
        List<FanoutDelivery> servers = servers("a:1986", "a:1986");
        FanoutDelivery first = servers.get(0);
        FanoutDelivery twice = servers.get(1);
        publish("ip=192.0.2.1");
        assertEquals(1, first.owed());
        assertEquals(0, twice.owed());
    }

    @Test
    void aReloadThatDropsTheChannelFromAServerNoLongerWaitsForIt() throws IOException {
        List<FanoutDelivery> servers = servers("a:1986", "b:1986");
        FanoutDelivery a = servers.get(0);
        FanoutDelivery b = servers.get(1);
        EmbeddedChannel toA = connect(a);
        toA.writeInbound(GREETING);
        publish("ip=192.0.2.1");
        written(toA);
        toA.writeInbound(PONG);
        assertEquals(1, outbox.status().depth());

        b.channels(Set.of("Other"), Map.of());
        outbox.destinations(List.of(a, b));
        assertEquals(0, outbox.status().depth());
        assertEquals(0, b.owed());
        assertEquals(List.of(), onDisk());
    }

    @Test
    void entriesOnAChannelNoServerCarriesWaitAndAreNotLost() throws IOException {
        FanoutDelivery a = servers("a:1986").get(0);
        publish("ip=192.0.2.1");
        a.channels(Set.of("Other"), Map.of());
        outbox.destinations(List.of(a));
        assertEquals(1, outbox.status().depth());
        assertFalse(outbox.publishCommand().apply("Fail2ban ip=192.0.2.2").isOk(), "no server carries it now");
        assertEquals(1, onDisk().size());
    }

    @Test
    void onASignedChannelEachAnnounceIsSignedAsItIsWritten() throws IOException {
        SigningKey key = Fixtures.signingKey(dir.resolve("fail2ban.key"), "a key of at least sixteen bytes");
        open();
        FanoutDelivery server = new FanoutDelivery("a:1986", Set.of("Fail2ban"), Map.of("Fail2ban", key), outbox, CLOCK,
                FanoutDelivery.nonceSource());
        outbox.start(List.of(server), List.of());
        EmbeddedChannel channel = connect(server);
        channel.writeInbound(GREETING);
        publish("ip=192.0.2.1");
        Command.Announce sent = (Command.Announce) written(channel).get(0);
        Message message = Message.parse(sent.message());
        MessageSignature.Signed signed = (MessageSignature.Signed) MessageSignature.fields(message);
        assertEquals(CLOCK.instant().getEpochSecond(), signed.epochSeconds());
        assertTrue(key.signature().verify("Fail2ban", message, signed.signature()), sent.message());
        assertTrue(sent.message().startsWith("ip=192.0.2.1"), sent.message());
    }

    @Test
    void statusCountsAcceptedRefusedAndTheOldestEntry() throws IOException {
        outbox = new Outbox(OutboxStore.open(dir, 1), Runnable::run, Executors.newSingleThreadExecutor(), CLOCK);
        outbox.start(List.of(unsigned("a:1986", "Fail2ban", outbox)), List.of());
        publish("ip=192.0.2.1");
        assertFalse(outbox.publishCommand().apply("Fail2ban ip=192.0.2.2").isOk());
        OutboxStatus status = outbox.status();
        assertEquals(new OutboxStatus(1, 1, java.util.Optional.of(CLOCK.instant()), 1, 1, 0), status);
    }
}
