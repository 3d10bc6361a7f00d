package io.fail2bancluster.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFilesTest {
    @TempDir
    Path dir;

    private static DurableFiles.Content text(String text) {
        return channel -> DurableFiles.writeFully(channel, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    private List<String> names() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void replacesTheContentOwnerOnlyAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("state");
        assertEquals(3, DurableFiles.replace(file, DurableFiles.DISK, text("one")));
        assertEquals(5, DurableFiles.replace(file, DurableFiles.DISK, text("two 2")));
        assertEquals("two 2", Files.readString(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(List.of("state"), names());
    }

    @Test
    void aFailedWriteLeavesTheOldContentSaysWhyAndRemovesTheTemporaryFile() throws IOException {
        Path file = dir.resolve("state");
        DurableFiles.replace(file, DurableFiles.DISK, text("old"));
        DurableFiles.Opener full = (path, options) -> {
            FileChannel channel = FileChannel.open(path, options);
            channel.write(ByteBuffer.wrap("ne".getBytes(StandardCharsets.UTF_8))); // a torn write, then ENOSPC
            channel.close();
            throw new IOException("No space left on device");
        };
        IOException e = assertThrows(IOException.class, () -> DurableFiles.replace(file, full, text("new")));
        assertEquals("cannot write " + file + ": No space left on device", e.getMessage());
        assertEquals("old", Files.readString(file));
        assertEquals(List.of("state"), names());
    }

    @Test
    void aTemporaryFileACrashLeftIsReplacedNotAppendedTo() throws IOException {
        Path file = dir.resolve("state");
        Files.writeString(DurableFiles.temporary(file), "left by a crash, longer than the new content");
        DurableFiles.replace(file, DurableFiles.DISK, text("new"));
        assertEquals("new", Files.readString(file));
    }
}
