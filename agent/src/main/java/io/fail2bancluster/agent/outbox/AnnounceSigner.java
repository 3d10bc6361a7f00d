package io.fail2bancluster.agent.outbox;

import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.protocol.MessageSignature;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * An outbox entry's message as it leaves for one server: signed at that moment on a signed channel, with
 * the server's first key for it, so an entry that waited in the outbox is still inside the receivers'
 * signature window when it arrives; catch-up's requests and answers are signed the same way. Each signer
 * has its own MACs: use it from one thread.
 */
public final class AnnounceSigner {
    private final Map<String, MessageSignature> signers;
    private final Clock clock;
    /** Must not read a device where it is drawn from (see {@link FanoutDelivery#nonceSource()}). */
    private final Random random;

    /** @param random for nonces; must not read a device (see {@link FanoutDelivery#nonceSource()}) */
    public AnnounceSigner(Map<String, SigningKey> keys, Clock clock, Random random) {
        Map<String, MessageSignature> byChannel = new HashMap<>();
        keys.forEach((channel, key) -> byChannel.put(channel, key.signature()));
        this.signers = byChannel;
        this.clock = clock;
        this.random = random;
    }

    String wire(OutboxStore.Entry entry) {
        return sign(entry.channel(), entry.message());
    }

    /** {@code message} as it goes out on {@code channel} now: signed when the channel is, else as it is. */
    public String sign(String channel, String message) {
        MessageSignature signer = signers.get(channel);
        return signer == null ? message : signer.append(channel, message, clock.instant().getEpochSecond(),
                MessageSignature.newNonce(random));
    }
}
