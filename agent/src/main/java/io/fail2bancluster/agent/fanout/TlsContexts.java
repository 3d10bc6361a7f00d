package io.fail2bancluster.agent.fanout;

import io.fail2bancluster.config.PemFiles;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.config.TlsConfig;
import io.fail2bancluster.util.StartFailure;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * The client-side TLS context of one server, built once at start-up from its {@link TlsConfig}: its CA
 * file or the JDK's trust store, its client certificate if any, and hostname verification always on.
 * The JDK provider: nothing native to install, and its delegated tasks (certificate checks) run on the
 * event loop in short steps, as Netty's SslHandler does by default.
 */
public final class TlsContexts {
    private TlsContexts() {
    }

    /** Throws {@link IllegalStateException} naming the server and file when a file went bad since the config was loaded. */
    public static SslContext forServer(ServerConfig server, TlsConfig tls) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    // what a browser checks: the certificate names the host (SAN), so a valid certificate
                    // of another host is refused
                    .endpointIdentificationAlgorithm("HTTPS");
            if (tls.caFile().isPresent()) {
                builder.trustManager(PemFiles.certificates(tls.caFile().get()));
            }
            if (tls.hasClientCertificate()) {
                List<X509Certificate> chain = PemFiles.certificates(tls.certFile().get());
                PrivateKey key = PemFiles.privateKey(tls.keyFile().get());
                builder.keyManager(key, chain);
            }
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new StartFailure(server.address() + ": cannot set up TLS: " + e.getMessage(), e);
        }
    }
}
