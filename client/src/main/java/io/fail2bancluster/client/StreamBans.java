package io.fail2bancluster.client;

import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.nats.CatchUp;
import io.fail2bancluster.nats.NatsConnections;
import io.fail2bancluster.nats.StoredMessage;
import io.fail2bancluster.nats.StreamContents;
import io.fail2bancluster.protocol.Message;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The bans in force in a NATS cluster's stream, read as a new host's catch-up reads it: the latest message per
 * ban key, kept when {@link CatchUp} would run it on a host without state (a ban whose bantime, counted from when
 * the stream stored it, has not run out). A ban unbanned since is not there (its unban replaced it), nor one that
 * ended. Only this class loads jnats for {@code bans}.
 */
final class StreamBans {
    private StreamBans() {
    }

    /**
     * @param channel the channel to list, or null for all
     * @throws IOException the cluster cannot be reached or read, in words for an error line
     */
    static List<BanRow> read(NatsServerConfig cluster, String channel, Duration timeout, Instant now)
            throws IOException {
        List<StoredMessage> stored;
        try (Connection connection = Nats.connect(NatsConnections.options(cluster, timeout,
                new NatsConnections.Quiet()).build())) {
            stored = StreamContents.read(connection, cluster.stream(), channel, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (JetStreamApiException e) {
            throw new IOException("JetStream refused to list the stream: " + e.getMessage(), e);
        }
        return inForce(stored, cluster.retention(), now);
    }

    /** The bans among {@code stored} that are in force at {@code now}. */
    static List<BanRow> inForce(List<StoredMessage> stored, Duration retention, Instant now) {
        List<BanRow> rows = new ArrayList<>();
        for (StoredMessage message : stored) {
            Message parsed = Message.parse(message.message());
            if (CatchUp.verdict(message, parsed, now, OptionalLong.empty()) != CatchUp.Verdict.RUN_BAN_IN_FORCE) {
                continue;
            }
            AddressRange address;
            try {
                address = AddressRange.parse(String.valueOf(parsed.get("ip")));
            } catch (IllegalArgumentException e) {
                continue; // not a ban of an address (another publisher's message): nothing bans lists
            }
            String jail = parsed.get("jail");
            String source = parsed.get("source");
            rows.add(new BanRow(address.normalised(), jail == null ? "" : jail, source == null ? "" : source,
                    message.stored(), until(parsed, message.stored(), retention), message.channel()));
        }
        return rows;
    }

    /**
     * When a ban ends: by its bantime; never for fail2ban's -1; and for a ban that does not say, when the stream
     * forgets it (its retention), which is as long as a catch-up runs it.
     */
    private static Optional<Instant> until(Message ban, Instant stored, Duration retention) {
        Optional<Instant> end = CatchUp.end(ban, stored);
        if (end.isPresent()) {
            return end;
        }
        String bantime = ban.get("bantime");
        return bantime != null && bantime.strip().startsWith("-") ? Optional.empty()
                : Optional.of(stored.plus(retention));
    }
}
