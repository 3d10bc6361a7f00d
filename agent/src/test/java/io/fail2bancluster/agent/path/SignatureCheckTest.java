package io.fail2bancluster.agent.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.protocol.Message;
import java.io.IOException;
import java.nio.file.Path;
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

class SignatureCheckTest {
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
        return Fixtures.signingKey(dir.resolve(name), text);
    }

    private SignatureCheck handler(ServerState serverState, NonceCache cache, SignaturePolicy policy) {
        return new SignatureCheck(serverState, Map.of(CHANNEL, policy), WINDOW, CLOCK, cache);
    }

    private SignatureCheck required() {
        return handler(state, nonces, new SignaturePolicy(List.of(current), true));
    }

    private String signed(SigningKey key, String message, long ts) {
        return key.signature().append(CHANNEL, message, ts, String.format("%032x", ++nonceCounter));
    }

    /** Whether the message goes on to the filter; checks the rejected counter agrees. */
    private boolean passes(SignatureCheck channel, String message) {
        long rejectedBefore = state.count(Counter.REJECTED);
        boolean passed = channel.admits(CHANNEL, Message.parse(message), 0, null);
        assertEquals(passed ? rejectedBefore : rejectedBefore + 1, state.count(Counter.REJECTED));
        return passed;
    }

    @Test
    void aValidSignatureWithinTheWindowPasses() {
        SignatureCheck channel = required();
        assertTrue(passes(channel, signed(current, BAN, NOW)));
        assertTrue(passes(channel, signed(current, BAN, NOW - 300)), "the window's edges are inside");
        assertTrue(passes(channel, signed(current, BAN, NOW + 300)));
    }

    @Test
    void aTamperedValueOrChannelIsRejected() {
        SignatureCheck channel = required();
        String good = signed(current, BAN, NOW);
        assertFalse(passes(channel, good.replace("192.0.2.7", "192.0.2.8")));
        assertFalse(passes(channel, good.replace("banip", "unbanip")));
        assertFalse(passes(channel, good.replace("ip=192.0.2.7", "ip=192.0.2.7, extra=1")));
        String otherChannel = current.signature().append("Other", BAN, NOW, "0123456789abcdef0123");
        assertFalse(passes(channel, otherChannel), "signed for another channel");
        assertTrue(passes(channel, good), "the untouched original still passes");
    }

    @Test
    void aWrongKeyIsRejected() {
        SignatureCheck channel = required();
        assertFalse(passes(channel, signed(stranger, BAN, NOW)));
    }

    @Test
    void staleAndFutureTimestampsAreRejected() {
        SignatureCheck channel = required();
        assertFalse(passes(channel, signed(current, BAN, NOW - 301)));
        assertFalse(passes(channel, signed(current, BAN, NOW + 301)));
        assertFalse(passes(channel, signed(current, BAN, 0)));
    }

    @Test
    void aStreamedMessageIsJudgedByWhenTheStreamStoredItNotByWhenItIsRead() {
        SignatureCheck channel = required();
        Instant storedADayAgo = Instant.ofEpochSecond(NOW - 86_400);
        // a host catching up a day later takes what was signed when it was published
        assertTrue(channel.admits(CHANNEL, Message.parse(signed(current, BAN, NOW - 86_400 + 5)), 0, storedADayAgo));
        // an old signed message stored again now is as stale as over fanout
        assertFalse(channel.admits(CHANNEL, Message.parse(signed(current, BAN, NOW - 86_400)), 0,
                Instant.ofEpochSecond(NOW)));
        assertEquals(1, state.count(Counter.REJECTED));
    }

    @Test
    void aReplayFromTheSameServerIsRejectedEvenAfterAReconnect() {
        SignatureCheck channel = required();
        String message = signed(current, BAN, NOW);
        assertTrue(passes(channel, message));
        assertFalse(passes(channel, message));
        assertFalse(passes(channel, message.replace(", ", ",")), "respacing does not make a new message");

        SignatureCheck reconnected = required();
        assertFalse(passes(reconnected, message), "the nonce cache outlives the connection");
    }

    @Test
    void theSameNonceFromAnotherServerIsNotAReplay() {
        String message = signed(current, BAN, NOW);
        SignatureCheck first = required();
        SignatureCheck second = handler(new ServerState("fanout2:1986"),
                new NonceCache(WINDOW.multipliedBy(2).toNanos(), 1000), new SignaturePolicy(List.of(current), true));
        assertTrue(passes(first, message));
        assertTrue(second.admits(CHANNEL, Message.parse(message), 0, null), "the redundant copy goes on to dedupe");
    }

    @Test
    void missingOrMalformedSignaturesAreRejected() {
        SignatureCheck channel = required();
        assertFalse(passes(channel, BAN));
        assertFalse(passes(channel, BAN + ", ts=" + NOW + ", nonce=0123456789abcdef"));
        String good = signed(current, BAN, NOW);
        assertFalse(passes(channel, good.substring(0, good.length() - 2)));
        assertFalse(passes(channel, good + ", late=1"), "sig must come last");
    }

    @Test
    void everyKeyIsTriedSoKeysCanRotate() {
        SignatureCheck channel = handler(state, nonces, new SignaturePolicy(List.of(current, previous), true));
        assertTrue(passes(channel, signed(previous, BAN, NOW)));
        assertTrue(passes(channel, signed(current, BAN, NOW)));
        assertFalse(passes(channel, signed(stranger, BAN, NOW)));
    }

    @Test
    void requireSignatureFalseAcceptsUnsignedButStillChecksSigned() {
        SignatureCheck channel = handler(state, nonces, new SignaturePolicy(List.of(current), false));
        assertTrue(passes(channel, BAN));
        assertTrue(passes(channel, signed(current, BAN, NOW)));
        assertFalse(passes(channel, signed(stranger, BAN, NOW)));
        assertFalse(passes(channel, signed(current, BAN, NOW - 3600)));
    }

    @Test
    void unsignedChannelsPassUntouched() {
        SignatureCheck channel = required();
        assertTrue(channel.admits("Other", Message.parse(BAN), 0, null));
        assertEquals(0, state.count(Counter.REJECTED));
    }

    @Test
    void aFloodOfForgeriesIsCountedOneByOne() {
        SignatureCheck channel = required();
        int passed = 0;
        for (int i = 0; i < 1000; i++) {
            passed += channel.admits(CHANNEL, Message.parse(signed(stranger, BAN, NOW)), i, null) ? 1 : 0;
        }
        assertEquals(0, passed);
        assertEquals(1000, state.count(Counter.REJECTED));
        assertEquals(0, nonces.size(), "a forgery's nonce is never remembered");
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
        SignatureCheck channel = required();
        String replayed = signed(current, BAN, NOW);
        assertTrue(passes(channel, replayed));
        channel.policies(Map.of(CHANNEL, new SignaturePolicy(List.of(stranger, current), true)));
        assertTrue(passes(channel, signed(stranger, BAN, NOW)), "the new key is accepted");
        assertFalse(passes(channel, replayed), "a nonce seen before the reload is still a replay");
        channel.policies(Map.of());
        assertTrue(passes(channel, BAN), "a channel no longer signed lets unsigned messages through");
    }
}
