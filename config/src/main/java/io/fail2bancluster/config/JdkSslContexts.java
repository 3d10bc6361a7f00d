package io.fail2bancluster.config;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * A plain JDK {@link SSLContext} from the PEM files of a {@link TlsConfig}, for the blocking client and
 * for jnats (not Netty's SslContext, which would load much of Netty on every ban for nothing the JDK lacks).
 */
public final class JdkSslContexts {
    /** Only lives in memory, for the JDK's key store API, which insists on one. */
    private static final char[] IN_MEMORY_PASSWORD = "in-memory".toCharArray();

    private JdkSslContexts() {
    }

    /** Reads the files; throws {@link IllegalArgumentException} naming the file that cannot be used. */
    public static SSLContext of(TlsConfig tls) {
        return of(tls, null);
    }

    /**
     * @param wrapTrust replaces the trust managers (e.g. to add a check the socket's user cannot), or null
     */
    public static SSLContext of(TlsConfig tls, java.util.function.UnaryOperator<TrustManager[]> wrapTrust) {
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
            TrustManager[] trustManagers = trust.getTrustManagers();
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(),
                    wrapTrust == null ? trustManagers : wrapTrust.apply(trustManagers), null);
            return context;
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
}
