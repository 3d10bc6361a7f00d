package io.fail2bancluster.client;

import io.fail2bancluster.config.JdkSslContexts;
import io.fail2bancluster.config.TlsConfig;
import java.io.IOException;
import java.net.Socket;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * TLS for the blocking client: a plain JDK SSLContext ({@link JdkSslContexts}) from the PEM files of a
 * {@link TlsConfig}.
 * Hostname verification is always on: {@link #wrap} sets the same endpoint identification a browser uses.
 */
final class ClientTls {
    private final String serverName;
    private final SSLSocketFactory factory;

    private ClientTls(String serverName, SSLSocketFactory factory) {
        this.serverName = serverName;
        this.factory = factory;
    }

    /** Reads the files; throws {@link IllegalArgumentException} naming the file that cannot be used. */
    static ClientTls of(TlsConfig tls) {
        return new ClientTls(tls.serverName(), JdkSslContexts.of(tls).getSocketFactory());
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
