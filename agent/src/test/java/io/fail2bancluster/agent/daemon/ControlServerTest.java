package io.fail2bancluster.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlServerTest {
    private static final Map<String, Supplier<ControlReply>> STATUS =
            Map.of("status", () -> ControlReply.ok(Map.of("pid", "99", "note", "hello")));

    @TempDir
    Path dir;

    @Test
    void answersStatus() throws IOException {
        Path socket = dir.resolve("control.sock");
        try (ControlServer server = ControlServer.open(socket, STATUS)) {
            ControlReply reply = ControlClient.request(socket, "status");
            assertTrue(reply.isOk());
            assertEquals(Optional.of("99"), reply.field("pid"));
            assertEquals(Optional.of("hello"), reply.field("note"));
        }
    }

    @Test
    void theWireFormatIsOkThenKeyValueLinesThenAnEmptyLine() throws IOException {
        Path socket = dir.resolve("control.sock");
        try (ControlServer server = ControlServer.open(socket, Map.of("status",
                () -> ControlReply.ok(Map.of("pid", "99"))));
                SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ControlProtocol.writeAll(raw, "status\n");
            assertEquals("ok\npid: 99\n\n", ControlProtocol.readUntil(raw, "\u0000", 4096));
        }
    }

    @Test
    void anUnknownCommandIsAnErrorThatNamesTheKnownOnes() throws IOException {
        Path socket = dir.resolve("control.sock");
        try (ControlServer server = ControlServer.open(socket, STATUS)) {
            ControlReply reply = ControlClient.request(socket, "reboot");
            assertFalse(reply.isOk());
            assertEquals(Optional.of("unknown command 'reboot'; known: status"), reply.error());
        }
    }

    @Test
    void theSocketIsForItsOwnerOnly() throws IOException {
        Path socket = dir.resolve("control.sock");
        try (ControlServer server = ControlServer.open(socket, STATUS)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        }
    }

    @Test
    void createsAMissingFolderForItsOwnerAndRemovesTheSocketOnClose() throws IOException {
        Path socket = dir.resolve("run/fail2ban-cluster/control.sock");
        try (ControlServer server = ControlServer.open(socket, STATUS)) {
            assertTrue(ControlClient.request(socket, "status").isOk());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
        }
        assertFalse(Files.exists(socket));
        try (var files = Files.list(socket.getParent())) {
            assertEquals(0, files.count(), "no temporary socket left behind");
        }
    }

    @Test
    void replacesAStaleSocketThatNobodyAnswersOn() throws IOException {
        Path socket = dir.resolve("control.sock");
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket), "closing a Unix socket leaves its file, as a crash does");
        assertThrows(IOException.class, () -> ControlClient.request(socket, "status"));
        try (ControlServer server = ControlServer.open(socket, STATUS)) {
            assertTrue(ControlClient.request(socket, "status").isOk());
        }
    }

    @Test
    void neverStealsASocketALiveAgentAnswersOn() throws IOException {
        Path socket = dir.resolve("control.sock");
        try (ControlServer first = ControlServer.open(socket, STATUS)) {
            ControlServer.AlreadyServedException e = assertThrows(ControlServer.AlreadyServedException.class,
                    () -> ControlServer.open(socket, Map.of()));
            assertEquals(Optional.of(99L), e.pid());
            assertTrue(ControlClient.request(socket, "status").isOk(), "the first agent still answers");
        }
    }

    @Test
    void aCommandWithAnArgumentGetsTheRestOfTheLineAndLongerRequestsWhenAllowed() throws IOException {
        Path socket = dir.resolve("control.sock");
        String longMessage = "x".repeat(4000);
        try (ControlServer server = ControlServer.open(socket, STATUS,
                Map.of("publish", rest -> ControlReply.ok(Map.of("got", rest))), 8192)) {
            assertEquals(Optional.of("Fail2ban " + longMessage),
                    ControlClient.request(socket, "publish Fail2ban " + longMessage).field("got"));
            assertEquals(Optional.of("unknown command 'reboot now'; known: publish, status"),
                    ControlClient.request(socket, "reboot now").error());
            assertEquals(Optional.of("99"), ControlClient.request(socket, "status").field("pid"));
        }
    }

    @Test
    void neverReplacesAFileThatIsNotASocket() throws IOException {
        Path notASocket = dir.resolve("hosts");
        Files.writeString(notASocket, "127.0.0.1 localhost\n");
        IOException e = assertThrows(IOException.class, () -> ControlServer.open(notASocket, STATUS));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("127.0.0.1 localhost\n", Files.readString(notASocket));
    }

    @Test
    void failsWithAnIOExceptionWhenTheFolderCannotBeMade() throws IOException {
        // a file where the folder should be fails for root too, unlike a permission
        Files.writeString(dir.resolve("run"), "");
        assertThrows(IOException.class, () -> ControlServer.open(dir.resolve("run/control.sock"), STATUS));
    }

    @Test
    void aClientGetsAnIOExceptionWhenNobodyListens() {
        assertThrows(IOException.class, () -> ControlClient.request(dir.resolve("none.sock"), "status"));
    }
}
