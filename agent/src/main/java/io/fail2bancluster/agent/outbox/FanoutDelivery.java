package io.fail2bancluster.agent.outbox;

import io.fail2bancluster.config.SigningKey;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The outbox's side of one fanout server: the entries it owes, kept across its connections, and the
 * connection that delivers them now (its {@link DeliveryHandler}, attached once the server greeted it).
 * Each new connection starts again from the oldest owed entry: what was written on a connection that
 * closed before its ping was answered is sent again (so a server may get an entry twice, never none).
 *
 * <p>On a signed channel each announce is signed as it is written ({@link AnnounceSigner}).
 *
 * <p>One per configured server, as long as it stays configured. All methods run on the event loop.
 */
public final class FanoutDelivery implements OutboxDestination {
    /** Entries written and not yet confirmed on one connection: bounds what a slow server holds of ours. */
    static final int WINDOW = 256;

    private final String name;
    private final Outbox outbox;
    private Set<String> channels;
    private AnnounceSigner signer;
    private final Clock clock;
    /** Nonces for signed announces; must not read a device on the loop (see {@link #nonceSource()}). */
    private final Random random;
    private final TreeMap<Long, OutboxStore.Entry> owed = new TreeMap<>();
    private DeliveryHandler attached;

    /**
     * @param name     the server's {@code host:port}, as its confirmations are recorded
     * @param channels the channels the server carries (from its config entry)
     * @param keys     the signed ones among them, with the key to sign with
     * @param nonces   from {@link #nonceSource()}, shared by every server's delivery
     */
    public FanoutDelivery(String name, Set<String> channels, Map<String, SigningKey> keys, Outbox outbox,
                          Clock clock, Random nonces) {
        this.name = name;
        this.outbox = outbox;
        this.clock = clock;
        this.random = nonces;
        channels(channels, keys);
    }

    /**
     * A generator of signature nonces that never reads a device once made: a SHA1PRNG seeded here, off the
     * loop, from the system's SecureRandom (whose own draws may read /dev/urandom, a blocking call).
     */
    public static Random nonceSource() {
        try {
            SecureRandom seeded = SecureRandom.getInstance("SHA1PRNG");
            byte[] seed = new byte[32];
            new SecureRandom().nextBytes(seed);
            seeded.setSeed(seed);
            return seeded;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA1PRNG in this JDK", e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<String> channels() {
        return channels;
    }

    /** A reload's channels: entries on a channel the server no longer carries are no longer its to deliver. */
    public void channels(Set<String> next, Map<String, SigningKey> keys) {
        channels = Set.copyOf(next);
        signer = new AnnounceSigner(keys, clock, random);
        owed.values().removeIf(entry -> !channels.contains(entry.channel()));
    }

    /** The message as it goes on the wire to this server: signed now on a signed channel. */
    String wire(OutboxStore.Entry entry) {
        return signer.wire(entry);
    }

    @Override
    public void offer(OutboxStore.Entry entry) {
        if (!channels.contains(entry.channel()) || owed.putIfAbsent(entry.sequence(), entry) != null) {
            return;
        }
        if (attached != null) {
            attached.pump();
        }
    }

    /** A handler for one new connection's pipeline. */
    public DeliveryHandler newHandler() {
        return new DeliveryHandler(this, WINDOW);
    }

    /** How many entries this server has not confirmed. */
    public int owed() {
        return owed.size();
    }

    /** The owed entries after {@code sequence}, oldest first. A view: read it before anything is confirmed. */
    SortedMap<Long, OutboxStore.Entry> owedAfter(long sequence) {
        return owed.tailMap(sequence, false);
    }

    void attach(DeliveryHandler handler) {
        attached = handler;
    }

    void detach(DeliveryHandler handler) {
        if (attached == handler) {
            attached = null;
        }
    }

    /** The server confirmed these entries (answered the ping written after them). */
    void confirmed(List<Long> sequences) {
        List<Long> mine = new ArrayList<>(sequences.size());
        for (long sequence : sequences) {
            if (owed.remove(sequence) != null) {
                mine.add(sequence);
            }
        }
        outbox.confirmed(this, mine);
    }
}
