package io.fail2bancluster.agent.path;

import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.SigningKey;
import java.util.List;

/**
 * What a signed channel accepts: messages signed with any of its keys (more than one while keys rotate),
 * and unsigned ones too only when {@code require_signature: false}.
 */
record SignaturePolicy(List<SigningKey> keys, boolean required) {
    SignaturePolicy {
        keys = List.copyOf(keys);
    }

    /** Null for an unsigned channel. */
    static SignaturePolicy of(ChannelConfig channel) {
        return channel.secrets().isEmpty() ? null : new SignaturePolicy(channel.secrets(), channel.requireSignature());
    }
}
