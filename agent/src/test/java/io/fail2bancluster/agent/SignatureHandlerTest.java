package io.fail2bancluster.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.protocol.ServerLine;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignatureHandlerTest {
    private static final String CHANNEL = "Fail2ban";
    private static final String BAN = "jail=sshd, action=banip, ip=192.0.2.7";
    private static final long NOW = 1_700_000_000L;
    private static final Duration WINDOW = Duration.ofSeconds(300);
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private SigningKey current;
    private SigningKey previous;
    private SigningKey stranger;
    private final ServerState state = new ServerState("fanout1:1986");
    private final NonceCache nonces = new NonceCache(WINDOW.multipliedBy(2).toNanos(), 1000);
    private int nonceCounter;

    @BeforeEach
    void keys() throws IOException {
        current = key("current.key", "current key, 32 bytes long.....");
        previous = key("previous.key", "previous key of at least 16");
        stranger = key("stranger.key", "a key this channel never had");
    }

    private SigningKey key(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return SigningKey.read(file);
    }

    private EmbeddedChannel handler(ServerState serverState, NonceCache cache, SignaturePolicy policy) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new SignatureHandler(serverState, Map.of(CHANNEL, policy), WINDOW, CLOCK, cache));
        return channel;
    }

    private EmbeddedChannel required() {
        return handler(state, nonces, new SignaturePolicy(List.of(current), true));
    }

    private String signed(SigningKey key, String message, long ts) {
        return key.signature().append(CHANNEL, message, ts, String.format("%032x", ++nonceCounter));
    }

    /** Whether the line went on to the filter; checks the rejected counter agrees. */
    private boolean passes(EmbeddedChannel channel, String message) {
        long rejectedBefore = state.count(Counter.REJECTED);
        ServerLine.ChannelMessage line = new ServerLine.ChannelMessage(CHANNEL, message);
        channel.writeInbound(line);
        Object out = channel.readInbound();
        boolean passed = out != null;
        if (passed) {
            assertEquals(line, out);
        }
        assertEquals(passed ? rejectedBefore : rejectedBefore + 1, state.count(Counter.REJECTED));
        return passed;
    }

    @Test
    void aValidSignatureWithinTheWindowPasses() {
        EmbeddedChannel channel = required();
        assertTrue(passes(channel, signed(current, BAN, NOW)));
        assertTrue(passes(channel, signed(current, BAN, NOW - 300)), "the window's edges are inside");
        assertTrue(passes(channel, signed(current, BAN, NOW + 300)));
        assertFalse(channel.finish());
    }

    @Test
    void aTamperedValueOrChannelIsRejected() {
        EmbeddedChannel channel = required();
        String good = signed(current, BAN, NOW);
        assertFalse(passes(channel, good.replace("192.0.2.7", "192.0.2.8")));
        assertFalse(passes(channel, good.replace("banip", "unbanip")));
        assertFalse(passes(channel, good.replace("ip=192.0.2.7", "ip=192.0.2.7, extra=1")));
        String otherChannel = current.signature().append("Other", BAN, NOW, "0123456789abcdef0123");
        assertFalse(passes(channel, otherChannel), "signed for another channel");
        assertTrue(passes(channel, good), "the untouched original still passes");
        assertFalse(channel.finish());
    }

    @Test
    void aWrongKeyIsRejected() {
        EmbeddedChannel channel = required();
        assertFalse(passes(channel, signed(stranger, BAN, NOW)));
        assertFalse(channel.finish());
    }

    @Test
    void staleAndFutureTimestampsAreRejected() {
        EmbeddedChannel channel = required();
        assertFalse(passes(channel, signed(current, BAN, NOW - 301)));
        assertFalse(passes(channel, signed(current, BAN, NOW + 301)));
        assertFalse(passes(channel, signed(current, BAN, 0)));
        assertFalse(channel.finish());
    }

    @Test
    void aReplayFromTheSameServerIsRejectedEvenAfterAReconnect() {
        EmbeddedChannel channel = required();
        String message = signed(current, BAN, NOW);
        assertTrue(passes(channel, message));
        assertFalse(passes(channel, message));
        assertFalse(passes(channel, message.replace(", ", ",")), "respacing does not make a new message");
        assertFalse(channel.finish());

        EmbeddedChannel reconnected = required();
        assertFalse(passes(reconnected, message), "the nonce cache outlives the connection");
        assertFalse(reconnected.finish());
    }

    @Test
    void theSameNonceFromAnotherServerIsNotAReplay() {
        String message = signed(current, BAN, NOW);
        EmbeddedChannel first = required();
        EmbeddedChannel second = handler(new ServerState("fanout2:1986"),
                new NonceCache(WINDOW.multipliedBy(2).toNanos(), 1000), new SignaturePolicy(List.of(current), true));
        assertTrue(passes(first, message));
        second.writeInbound(new ServerLine.ChannelMessage(CHANNEL, message));
        assertEquals(new ServerLine.ChannelMessage(CHANNEL, message), second.readInbound(),
                "the redundant copy goes on to dedupe");
        assertFalse(first.finish());
        assertFalse(second.finish());
    }

    @Test
    void missingOrMalformedSignaturesAreRejected() {
        EmbeddedChannel channel = required();
        assertFalse(passes(channel, BAN));
        assertFalse(passes(channel, BAN + ", ts=" + NOW + ", nonce=0123456789abcdef"));
        String good = signed(current, BAN, NOW);
        assertFalse(passes(channel, good.substring(0, good.length() - 2)));
        assertFalse(passes(channel, good + ", late=1"), "sig must come last");
        assertFalse(channel.finish());
    }

    @Test
    void everyKeyIsTriedSoKeysCanRotate() {
        EmbeddedChannel channel = handler(state, nonces, new SignaturePolicy(List.of(current, previous), true));
        assertTrue(passes(channel, signed(previous, BAN, NOW)));
        assertTrue(passes(channel, signed(current, BAN, NOW)));
        assertFalse(passes(channel, signed(stranger, BAN, NOW)));
        assertFalse(channel.finish());
    }

    @Test
    void requireSignatureFalseAcceptsUnsignedButStillChecksSigned() {
        EmbeddedChannel channel = handler(state, nonces, new SignaturePolicy(List.of(current), false));
        assertTrue(passes(channel, BAN));
        assertTrue(passes(channel, signed(current, BAN, NOW)));
        assertFalse(passes(channel, signed(stranger, BAN, NOW)));
        assertFalse(passes(channel, signed(current, BAN, NOW - 3600)));
        assertFalse(channel.finish());
    }

    @Test
    void unsignedChannelsAndOtherLinesPassUntouched() {
        EmbeddedChannel channel = required();
        ServerLine.ChannelMessage other = new ServerLine.ChannelMessage("Other", BAN);
        channel.writeInbound(other);
        assertEquals(other, channel.readInbound());
        ServerLine ping = ServerLine.parse("1795620628");
        channel.writeInbound(ping);
        assertEquals(ping, channel.readInbound());
        assertEquals(0, state.count(Counter.REJECTED));
        assertFalse(channel.finish());
    }

    @Test
    void aFloodOfForgeriesIsCountedOneByOne() {
        EmbeddedChannel channel = required();
        for (int i = 0; i < 1000; i++) {
            channel.writeInbound(new ServerLine.ChannelMessage(CHANNEL, signed(stranger, BAN, NOW)));
        }
        assertNull(channel.readInbound());
        assertEquals(1000, state.count(Counter.REJECTED));
        assertEquals(0, nonces.size(), "a forgery's nonce is never remembered");
        assertFalse(channel.finish());
    }

    @Test
    void noncesAreForgottenAfterTwiceTheWindowAndBounded() {
        NonceCache cache = new NonceCache(TimeUnit.SECONDS.toNanos(600), 2);
        assertTrue(cache.firstSighting("a", 0));
        assertFalse(cache.firstSighting("a", TimeUnit.SECONDS.toNanos(599)));
        assertTrue(cache.firstSighting("a", TimeUnit.SECONDS.toNanos(600)));
        assertTrue(cache.firstSighting("b", TimeUnit.SECONDS.toNanos(601)));
        assertTrue(cache.firstSighting("c", TimeUnit.SECONDS.toNanos(602)));
        assertEquals(2, cache.size());
        assertTrue(cache.firstSighting("a", TimeUnit.SECONDS.toNanos(603)), "the oldest went when the cache was full");
    }

    @Test
    void aReloadsKeysApplyFromTheNextMessageAndTheNoncesStay() {
        EmbeddedChannel channel = required();
        String replayed = signed(current, BAN, NOW);
        assertTrue(passes(channel, replayed));
        channel.pipeline().fireUserEventTriggered(new ChannelRoutes(Map.of(), Map.of(CHANNEL,
                new SignaturePolicy(List.of(stranger, current), true))));
        assertTrue(passes(channel, signed(stranger, BAN, NOW)), "the new key is accepted");
        assertFalse(passes(channel, replayed), "a nonce seen before the reload is still a replay");
        channel.pipeline().fireUserEventTriggered(new ChannelRoutes(Map.of(), Map.of()));
        assertTrue(passes(channel, BAN), "a channel no longer signed lets unsigned messages through");
        assertFalse(channel.finish());
    }
}
