package io.fail2bancluster.util;

import io.netty.handler.ssl.NotSslRecordException;
import javax.net.ssl.SSLException;

/** Turns a failed TLS handshake into the one phrase an operator needs, e.g. a hostname mismatch. */
public final class TlsFailure {
    private TlsFailure() {
    }

    /** Whether {@code error}, or anything that caused it, is a TLS failure. */
    public static boolean isTls(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The innermost message: the JDK wraps the useful one ("No subject alternative DNS name matching
     * x found.", "PKIX path building failed: ...") in layers that only repeat or generalise it.
     */
    public static String reason(Throwable error) {
        String reason = null;
        for (Throwable t = error; t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof NotSslRecordException) {
                // its message carries a hex dump of what arrived, which says less than this
                return "the peer does not speak TLS (plain text?)";
            }
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                reason = t.getMessage();
            }
        }
        return reason != null ? reason : error.getClass().getSimpleName();
    }
}
