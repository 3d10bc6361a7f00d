package io.fail2bancluster.client;

import io.fail2bancluster.config.PemFiles;
import io.fail2bancluster.config.TlsConfig;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for the blocking client: a plain JDK {@link SSLContext} from the PEM files of a {@link TlsConfig}.
 * Not Netty's SslContext, which would load much of Netty on every ban for nothing the JDK lacks.
 * Hostname verification is always on: {@link #wrap} sets the same endpoint identification a browser uses.
 */
final class ClientTls {
    /** Only lives in memory, for the JDK's key store API, which insists on one. */
    private static final char[] IN_MEMORY_PASSWORD = "in-memory".toCharArray();

    private final String serverName;
    private final SSLSocketFactory factory;

    private ClientTls(String serverName, SSLSocketFactory factory) {
        this.serverName = serverName;
        this.factory = factory;
    }

    /** Reads the files; throws {@link IllegalArgumentException} naming the file that cannot be used. */
    static ClientTls of(TlsConfig tls) {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (tls.caFile().isPresent()) {
                KeyStore cas = emptyStore();
                List<X509Certificate> certificates = PemFiles.certificates(tls.caFile().get());
                for (int i = 0; i < certificates.size(); i++) {
                    cas.setCertificateEntry("ca-" + i, certificates.get(i));
                }
                trust.init(cas);
            } else {
                trust.init((KeyStore) null); // the JDK's own trust store
            }
            KeyManagerFactory keys = null;
            if (tls.hasClientCertificate()) {
                List<X509Certificate> chain = PemFiles.certificates(tls.certFile().get());
                PrivateKey key = PemFiles.privateKey(tls.keyFile().get());
                KeyStore store = emptyStore();
                store.setKeyEntry("client", key, IN_MEMORY_PASSWORD, chain.toArray(X509Certificate[]::new));
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(store, IN_MEMORY_PASSWORD);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return new ClientTls(tls.serverName(), context.getSocketFactory());
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            // an IllegalArgumentException from PemFiles names the file and what is wrong with it
            throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        return store;
    }

    String serverName() {
        return serverName;
    }

    /**
     * TLS over a connected socket, not yet handshaken; closing it closes {@code plain}. The server name
     * is the SNI name (unless it is an address, which SNI cannot carry) and the name the certificate must have.
     */
    SSLSocket wrap(Socket plain, int port) throws IOException {
        SSLSocket ssl = (SSLSocket) factory.createSocket(plain, serverName, port, true);
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (!isAddress(serverName)) {
            parameters.setServerNames(List.of(new SNIHostName(serverName)));
        }
        ssl.setSSLParameters(parameters);
        return ssl;
    }

    /** An IPv4 or IPv6 literal: digits and dots only, or any colon. */
    private static boolean isAddress(String name) {
        if (name.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }
}
