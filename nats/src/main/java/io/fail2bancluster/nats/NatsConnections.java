package io.fail2bancluster.nats;

import io.fail2bancluster.config.JdkSslContexts;
import io.fail2bancluster.config.NatsAuth;
import io.fail2bancluster.config.NatsServerConfig;
import io.nats.client.Connection;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/** jnats {@link Options} for a NATS server entry: its URLs, auth and TLS. */
public final class NatsConnections {
    private NatsConnections() {
    }

    /**
     * Options for one cluster; the secrets are read now, so a rotated file is picked up by the next connect.
     *
     * @param connectTimeout  per URL tried
     * @param errors          where jnats reports asynchronous errors (its default logs every one to
     *                        java.util.logging); must not block
     * @throws IOException when a secret file cannot be read
     */
    public static Options.Builder options(NatsServerConfig server, Duration connectTimeout, ErrorListener errors)
            throws IOException {
        List<URI> urls = server.urls();
        String[] servers = new String[urls.size()];
        for (int i = 0; i < servers.length; i++) {
            servers[i] = urls.get(i).toString();
        }
        Options.Builder options = Options.builder()
                .servers(servers)
                .connectionName("fail2ban-cluster")
                .connectionTimeout(connectTimeout)
                .errorListener(errors);
        NatsAuth auth = server.auth();
        if (auth.credsFile().isPresent()) {
            options.authHandler(Nats.credentials(auth.credsFile().get().toString()));
        } else if (auth.nkeyFile().isPresent()) {
            options.authHandler(Nats.credentials(null, auth.nkeyFile().get().toString()));
        } else if (auth.user().isPresent()) {
            options.userInfo(auth.user().get().toCharArray(), firstLine(auth.passwordFile().get()));
        } else if (auth.tokenFile().isPresent()) {
            options.token(firstLine(auth.tokenFile().get()));
        }
        if (server.tls().isPresent()) {
            options.sslContext(JdkSslContexts.of(server.tls().get(), NatsConnections::verifyingHostnames));
        }
        return options;
    }

    /** The secret on the file's first line, without its line end. */
    private static char[] firstLine(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.indexOf('\n');
        String line = end < 0 ? text : text.substring(0, end);
        return line.strip().toCharArray();
    }

    /**
     * jnats checks the server's certificate chain but not that it was issued for the host it dialled. The
     * JDK's trust manager does that check when the socket asks for endpoint identification, so each trust
     * manager is wrapped to ask for it before it checks: the name compared is the host of the URL dialled.
     */
    static TrustManager[] verifyingHostnames(TrustManager[] managers) {
        TrustManager[] wrapped = managers.clone();
        for (int i = 0; i < wrapped.length; i++) {
            if (wrapped[i] instanceof X509ExtendedTrustManager x509) {
                wrapped[i] = new HostnameVerifying(x509);
            }
        }
        return wrapped;
    }

    private static final class HostnameVerifying extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;

        HostnameVerifying(X509ExtendedTrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            if (socket instanceof SSLSocket ssl) {
                SSLParameters parameters = ssl.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(parameters);
            }
            delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
            delegate.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            // no socket, no host to compare: refuse rather than skip the check
            throw new CertificateException("cannot verify the server's host name without its socket");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    /** An {@link ErrorListener} that says nothing: the caller reports what failed in its own words. */
    public static final class Quiet implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
        }

        @Override
        public void slowConsumerDetected(Connection conn, Consumer consumer) {
        }
    }
}
