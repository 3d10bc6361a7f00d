package io.fail2bancluster.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineFramingTest {
    private static List<String> frames(LineFraming.CarriageReturn policy, String bytes) {
        EmbeddedChannel channel = new EmbeddedChannel(LineFraming.decoder(64, policy));
        channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (ByteBuf frame; (frame = channel.readInbound()) != null; frame.release()) {
            lines.add(frame.toString(StandardCharsets.UTF_8));
        }
        assertFalse(channel.finish());
        return lines;
    }

    @Test
    void theServerSideKeepsACarriageReturnBeforeTheNewlineInTheLine() {
        assertEquals(List.of("announce c a=1\r", "ping", "x\ry"),
                frames(LineFraming.CarriageReturn.KEEP, "announce c a=1\r\nping\nx\ry\n"));
    }

    @Test
    void theAgentSideStripsIt() {
        assertEquals(List.of("c!a=1", "1795620628", "x\ry"),
                frames(LineFraming.CarriageReturn.STRIP, "c!a=1\r\n1795620628\nx\ry\n"));
    }
}
