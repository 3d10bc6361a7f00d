package io.fail2bancluster.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS to one server ({@code tls: true}). The files were read and parsed when the config was loaded
 * (see {@link PemFiles}); they are read again when a connection's TLS context is built.
 *
 * @param serverName the name sent as SNI and checked against the server's certificate (default: the
 *                   server's {@code host}); hostname verification is always on
 * @param caFile     PEM certificates to trust; empty trusts the JDK's default store
 * @param certFile   PEM client certificate (chain) for client authentication, together with {@code keyFile}
 * @param keyFile    unencrypted PKCS#8 PEM key of {@code certFile}
 */
public record TlsConfig(String serverName, Optional<Path> caFile, Optional<Path> certFile, Optional<Path> keyFile) {

    public TlsConfig {
        Objects.requireNonNull(serverName, "serverName");
        if (certFile.isPresent() != keyFile.isPresent()) {
            throw new IllegalArgumentException("a client certificate needs both its certificate and its key file");
        }
    }

    /** TLS trusting the JDK's default store, no client certificate. */
    public static TlsConfig verifying(String serverName) {
        return new TlsConfig(serverName, Optional.empty(), Optional.empty(), Optional.empty());
    }

    public boolean hasClientCertificate() {
        return certFile.isPresent();
    }
}
