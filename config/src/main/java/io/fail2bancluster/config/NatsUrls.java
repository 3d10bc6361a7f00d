package io.fail2bancluster.config;

import java.net.URI;
import java.net.URISyntaxException;

/** A NATS client URL as the config and {@code --nats} take it: {@code nats://host[:port]} or {@code tls://host[:port]}. */
public final class NatsUrls {
    private NatsUrls() {
    }

    /**
     * The URL with its port spelled out ({@code nats://h} becomes {@code nats://h:4222}).
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static URI parse(String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL (nats://host:port): " + e.getReason());
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("nats") || scheme.equals("tls")) || uri.getHost() == null) {
            throw new IllegalArgumentException("expected nats://host:port or tls://host:port, got " + text);
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("credentials do not belong in the URL (it is printed in logs and by "
                    + "check); use user + password_file, token_file, nkey_file or creds_file");
        }
        if ((uri.getRawPath() != null && !uri.getRawPath().isEmpty()) || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("expected nats://host:port with nothing after the port, got " + text);
        }
        int port = uri.getPort() == -1 ? NatsServerConfig.DEFAULT_PORT : uri.getPort();
        try {
            return new URI(scheme, null, uri.getHost(), port, null, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getReason());
        }
    }

    /** Whether TLS is asked for by the URL itself. */
    public static boolean isTls(URI url) {
        return url.getScheme().equals("tls");
    }

    /** Letters, digits, {@code _} and {@code -}: safe as one NATS subject token and as a stream name. */
    public static boolean isSubjectToken(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
