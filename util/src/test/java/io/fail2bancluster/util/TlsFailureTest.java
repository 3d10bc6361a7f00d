package io.fail2bancluster.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class TlsFailureTest {
    @Test
    void theInnermostMessageIsTheReason() {
        SSLHandshakeException handshake = new SSLHandshakeException("(certificate_unknown) generic");
        handshake.initCause(new CertificateException("No subject alternative DNS name matching fanout.example found."));
        Throwable wrapped = new DecoderException(handshake);
        assertTrue(TlsFailure.isTls(wrapped));
        assertEquals("No subject alternative DNS name matching fanout.example found.", TlsFailure.reason(wrapped));
    }

    @Test
    void plainTextInsteadOfTlsIsSaidSoWithoutTheHexDump() {
        Throwable wrapped = new DecoderException(new NotSslRecordException("not an SSL/TLS record: 6465627567"));
        assertEquals("the peer does not speak TLS (plain text?)", TlsFailure.reason(wrapped));
    }

    @Test
    void otherErrorsAreNotTls() {
        assertFalse(TlsFailure.isTls(new DecoderException(new IllegalStateException("x"))));
        assertEquals("IllegalStateException", TlsFailure.reason(new IllegalStateException()));
    }
}
