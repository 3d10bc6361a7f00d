package io.fail2bancluster.agent.ledger;

import io.fail2bancluster.config.AddressRange;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The bytes of the ledger's files. Both start with a header, then hold frames:
 * <pre>
 * header:  magic (8 bytes, "F2BCLDGS" snapshot, "F2BCLDGJ" journal) | version (int, 1) | generation (long) | CRC-32C of the 20 bytes before (int)
 * frame:   payload length (int) | CRC-32C of the payload (int) | payload
 * payload: 'P' | channel | jail | address (canonical) | origin | start | end | changed (longs, epoch ms; end
 *          Long.MAX_VALUE = permanent) | state (byte: 0 pending, 1 applied, 2 unban pending, 3 revoked)
 *          'E' | entries (int)       -- the snapshot's last frame: a snapshot without it is not whole
 * </pre>
 * Strings are Java's modified UTF-8 with a two-byte length ({@link DataOutputStream#writeUTF}); integers are
 * big-endian. A frame is checked as a whole: a length past the end of the file, past {@link #MAX_PAYLOAD}, or
 * a checksum that does not match, is where a torn write ends, and nothing from there on is read.
 */
final class LedgerCodec {
    static final byte[] SNAPSHOT_MAGIC = {'F', '2', 'B', 'C', 'L', 'D', 'G', 'S'};
    static final byte[] JOURNAL_MAGIC = {'F', '2', 'B', 'C', 'L', 'D', 'G', 'J'};
    static final int VERSION = 1;
    static final int HEADER_BYTES = 8 + 4 + 8 + 4;
    static final int FRAME_OVERHEAD = 8;
    /** Far above any real entry (four short strings and four numbers); a longer length is a torn frame. */
    static final int MAX_PAYLOAD = 4 * 65_535 + 64;
    private static final byte ENTRY = 'P';
    private static final byte END = 'E';
    private static final LedgerEntry.State[] STATES = LedgerEntry.State.values();

    private LedgerCodec() {
    }

    static byte[] header(byte[] magic, long generation) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.put(magic).putInt(VERSION).putLong(generation);
        header.putInt(crc(header.array(), 0, HEADER_BYTES - 4));
        return header.array();
    }

    /** The generation a header names, or -1 when {@code bytes} is not a whole header with this magic. */
    static long generation(byte[] bytes, byte[] magic) {
        if (bytes.length < HEADER_BYTES) {
            return -1;
        }
        ByteBuffer header = ByteBuffer.wrap(bytes, 0, HEADER_BYTES);
        byte[] found = new byte[magic.length];
        header.get(found);
        int version = header.getInt();
        long generation = header.getLong();
        boolean intact = header.getInt() == crc(bytes, 0, HEADER_BYTES - 4);
        return intact && version == VERSION && java.util.Arrays.equals(found, magic) ? generation : -1;
    }

    /** One entry as a frame, appended to {@code out}. */
    static void writeEntry(LedgerEntry entry, ByteArrayOutputStream out) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream(96);
        try (DataOutputStream data = new DataOutputStream(payload)) {
            data.writeByte(ENTRY);
            data.writeUTF(entry.channel());
            data.writeUTF(entry.jail());
            data.writeUTF(entry.address().canonical());
            data.writeUTF(entry.origin());
            data.writeLong(entry.startMillis());
            data.writeLong(entry.endMillis());
            data.writeLong(entry.changedMillis());
            data.writeByte(entry.state().ordinal());
        } catch (IOException e) {
            throw new IllegalStateException("a byte array cannot fail, and names are held to what writeUTF takes", e);
        }
        frame(payload.toByteArray(), out);
    }

    /** The snapshot's closing frame: how many entries it holds. */
    static void writeEnd(int entries, ByteArrayOutputStream out) {
        frame(ByteBuffer.allocate(5).put(END).putInt(entries).array(), out);
    }

    private static void frame(byte[] payload, ByteArrayOutputStream out) {
        out.writeBytes(ByteBuffer.allocate(FRAME_OVERHEAD).putInt(payload.length).putInt(crc(payload, 0, payload.length))
                .array());
        out.writeBytes(payload);
    }

    /** A decoded frame: an entry, or the snapshot's end with its count. */
    record Frame(LedgerEntry entry, int endCount, int bytes) {
        boolean isEnd() {
            return entry == null;
        }
    }

    /**
     * The next whole frame of {@code in}, or null at the end of the file or at a frame that is not whole
     * (short, too long, or failing its checksum): a torn write, after which nothing is read.
     *
     * @throws IOException when a whole frame holds what no version of this class wrote
     */
    static Frame read(DataInputStream in) throws IOException {
        int length;
        int crc;
        byte[] payload;
        try {
            length = in.readInt();
            crc = in.readInt();
            if (length < 1 || length > MAX_PAYLOAD) {
                return null;
            }
            payload = in.readNBytes(length);
        } catch (EOFException end) {
            return null;
        }
        if (payload.length < length || crc(payload, 0, length) != crc) {
            return null;
        }
        DataInputStream data = new DataInputStream(new java.io.ByteArrayInputStream(payload));
        byte type = data.readByte();
        if (type == END) {
            return new Frame(null, data.readInt(), FRAME_OVERHEAD + length);
        }
        if (type != ENTRY) {
            throw new IOException("unknown record type " + type);
        }
        String channel = data.readUTF();
        String jail = data.readUTF();
        String address = data.readUTF();
        String origin = data.readUTF();
        long start = data.readLong();
        long end = data.readLong();
        long changed = data.readLong();
        int state = data.readUnsignedByte();
        if (state >= STATES.length) {
            throw new IOException("unknown entry state " + state);
        }
        LedgerKey key;
        try {
            key = new LedgerKey(channel, jail, AddressRange.parse(address));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new Frame(new LedgerEntry(key, origin, start, end, changed, STATES[state]), 0, FRAME_OVERHEAD + length);
    }

    static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }
}
