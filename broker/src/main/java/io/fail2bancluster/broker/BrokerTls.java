package io.fail2bancluster.broker;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * TLS on the broker's port: its certificate and key (PEM), and optionally a CA whose client
 * certificates it then requires.
 *
 * @param certFile     PEM certificate chain, the server's own first
 * @param keyFile      its PKCS#8 PEM key
 * @param clientCaFile when present, every client must present a certificate signed by one of these
 */
public record BrokerTls(Path certFile, Path keyFile, Optional<Path> clientCaFile) {

    public BrokerTls {
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(clientCaFile, "clientCaFile");
    }

    /**
     * Reads the files. Throws {@link IllegalArgumentException} naming the file that is missing or
     * cannot be used, so the broker refuses to start rather than failing every handshake.
     */
    SslContext newContext() {
        requireReadable(certFile, "--tls-cert");
        requireReadable(keyFile, "--tls-key");
        clientCaFile.ifPresent(ca -> requireReadable(ca, "--tls-ca"));
        SslContextBuilder builder;
        try {
            builder = SslContextBuilder.forServer(certFile.toFile(), keyFile.toFile());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use --tls-cert " + certFile + " with --tls-key " + keyFile
                    + ": " + causes(e), e);
        }
        builder.sslProvider(SslProvider.JDK);
        if (clientCaFile.isPresent()) {
            try {
                builder.trustManager(clientCaFile.get().toFile()).clientAuth(ClientAuth.REQUIRE);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cannot use --tls-ca " + clientCaFile.get() + ": " + causes(e), e);
            }
        }
        try {
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot set up TLS from " + certFile + " and " + keyFile + ": "
                    + causes(e), e);
        }
    }

    private static void requireReadable(Path file, String option) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(option + " " + file + ": "
                    + (Files.exists(file) ? "permission denied" : "no such file"));
        }
    }

    /** Netty wraps the reason (bad PEM, wrong key type) one or two levels down. */
    private static String causes(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            text.append(": ").append(t.getMessage());
        }
        return text.toString();
    }
}
