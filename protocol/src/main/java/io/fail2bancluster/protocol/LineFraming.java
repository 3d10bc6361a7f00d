package io.fail2bancluster.protocol;

import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.LineBasedFrameDecoder;

/**
 * The one way lines are cut out of a fanout byte stream, on either side, with the policy for a {@code \r}
 * before the {@code \n} said where the pipeline is built. Both framers are fail-fast with a hard limit: an
 * over-long line is skipped and reported as a {@code TooLongFrameException} (see
 * {@link OverlongLineHandler}), never buffered, and the lines after it are still cut.
 */
public final class LineFraming {
    /** What becomes of a {@code \r} right before the {@code \n}. */
    public enum CarriageReturn {
        /**
         * Part of the line. The server side: the reference server forwards it as part of the message, and
         * the transcript must be matched byte for byte.
         */
        KEEP,
        /**
         * Removed with the {@code \n}. The agent side: a server line arrives without it, so a CRLF server
         * is still understood. (A message delivered by another transport has a trailing {@code \r} removed
         * by {@link Message#parse}.)
         */
        STRIP
    }

    private LineFraming() {
    }

    /** A new framer (they hold the partial line, so one per connection). */
    public static ByteToMessageDecoder decoder(int maxLineBytes, CarriageReturn carriageReturn) {
        return switch (carriageReturn) {
            case KEEP -> new NewlineFrameDecoder(maxLineBytes);
            case STRIP -> new LineBasedFrameDecoder(maxLineBytes, true, true);
        };
    }
}
