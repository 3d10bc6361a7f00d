package io.fail2bancluster.util;

/**
 * Something the config asks for cannot be had on this host (a metrics port in use, TLS files that do not
 * load). Its message names the setting and the reason, so the daemon prints it as one line, not as a bug's
 * stack trace. An {@link IllegalStateException}, as these failures were before they had a type.
 */
public final class StartFailure extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public StartFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
