package io.fail2bancluster.client;

/** A malformed command line: exit 2 with the usage text. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message, null, false, false);
    }
}
