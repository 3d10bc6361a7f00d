package io.fail2bancluster.util;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class FatalErrorsTest {
    @Test
    void anErrorIsFoundWhereNettyWrappedIt() {
        OutOfMemoryError oom = new OutOfMemoryError("direct buffer memory");
        assertSame(oom, FatalErrors.fatalIn(oom));
        assertSame(oom, FatalErrors.fatalIn(new DecoderException(oom)));
        assertSame(oom, FatalErrors.fatalIn(new RuntimeException(new DecoderException(oom))));
    }

    @Test
    void exceptionsAreNotFatal() {
        assertNull(FatalErrors.fatalIn(new IOException("Connection reset by peer")));
        assertNull(FatalErrors.fatalIn(new DecoderException("bad frame", new IllegalArgumentException())));
        assertNull(FatalErrors.fatalIn(null));
    }
}
