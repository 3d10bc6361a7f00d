package io.fail2bancluster.config;

import io.fail2bancluster.protocol.MessageSignature;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * A shared secret read from a file: the file's bytes less one trailing newline, at least
 * {@link MessageSignature#MIN_KEY_BYTES}. The file must not be readable by its group or others: a key
 * anyone on the host can read lets anyone on the host make the whole fleet act.
 */
public final class SigningKey {
    /** A key file is a line of random text; a big file is a mistake (a log, a binary). */
    private static final long MAX_FILE_BYTES = 4096;
    private static final Set<PosixFilePermission> TOO_OPEN = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);

    private final Path file;
    private final byte[] key;

    private SigningKey(Path file, byte[] key) {
        this.file = file;
        this.key = key;
    }

    /** @throws IllegalArgumentException naming the file and what is wrong with it */
    public static SigningKey read(Path file) {
        byte[] bytes;
        try {
            Set<PosixFilePermission> permissions = posixPermissions(file);
            if (permissions != null && !disjoint(permissions)) {
                throw new IllegalArgumentException(file + " is readable by its group or others (mode "
                        + PosixFilePermissions.toString(permissions) + "); make it readable by its owner only (chmod 600)");
            }
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(file + " is not a regular file");
            }
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(file + " is larger than " + MAX_FILE_BYTES + " bytes; a key file holds one key");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(file + ": permission denied", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        }
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\n' ? bytes.length - 1 : bytes.length;
        if (length < MessageSignature.MIN_KEY_BYTES) {
            throw new IllegalArgumentException("the key in " + file + " is " + length + " bytes; at least "
                    + MessageSignature.MIN_KEY_BYTES + " are needed (e.g. head -c 32 /dev/urandom | base64 > "
                    + file + ")");
        }
        return new SigningKey(file, Arrays.copyOf(bytes, length));
    }

    private static Set<PosixFilePermission> posixPermissions(Path file) throws IOException {
        try {
            return Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException notPosix) {
            return null;
        }
    }

    private static boolean disjoint(Set<PosixFilePermission> permissions) {
        for (PosixFilePermission open : TOO_OPEN) {
            if (permissions.contains(open)) {
                return false;
            }
        }
        return true;
    }

    public Path file() {
        return file;
    }

    /** A copy of the key's bytes. */
    public byte[] bytes() {
        return key.clone();
    }

    /** A MAC for this key; see {@link MessageSignature} for why each user wants its own. */
    public MessageSignature signature() {
        return new MessageSignature(key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SigningKey other && file.equals(other.file) && Arrays.equals(key, other.key);
    }

    @Override
    public int hashCode() {
        return file.hashCode();
    }

    /** Names the file, never the key. */
    @Override
    public String toString() {
        return "key from " + file;
    }
}
