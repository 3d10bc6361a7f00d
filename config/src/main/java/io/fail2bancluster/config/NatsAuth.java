package io.fail2bancluster.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How a client authenticates to a NATS cluster: at most one of a credentials file (JWT + nkey seed), an
 * nkey seed file, a user with a password file, or a token file. The files were found readable when the
 * config was loaded; they are read again on every connect, so a rotated secret is picked up.
 */
public record NatsAuth(Optional<Path> credsFile, Optional<Path> nkeyFile, Optional<String> user,
                       Optional<Path> passwordFile, Optional<Path> tokenFile) {

    public static final NatsAuth NONE = new NatsAuth(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty());

    public NatsAuth {
        int kinds = (credsFile.isPresent() ? 1 : 0) + (nkeyFile.isPresent() ? 1 : 0) + (user.isPresent() ? 1 : 0)
                + (tokenFile.isPresent() ? 1 : 0);
        if (kinds > 1) {
            throw new IllegalArgumentException("at most one of creds_file, nkey_file, user, token_file");
        }
        if (user.isPresent() != passwordFile.isPresent()) {
            throw new IllegalArgumentException("user and password_file go together");
        }
    }

    /** {@code creds_file /etc/...}, {@code user alice}, {@code none}: for {@code check} (never a secret). */
    public String describe() {
        if (credsFile.isPresent()) {
            return "creds_file " + credsFile.get();
        }
        if (nkeyFile.isPresent()) {
            return "nkey_file " + nkeyFile.get();
        }
        if (user.isPresent()) {
            return "user " + user.get() + " (password_file " + passwordFile.get() + ")";
        }
        if (tokenFile.isPresent()) {
            return "token_file " + tokenFile.get();
        }
        return "none";
    }
}
