package io.fail2bancluster.nats;

import java.util.List;

/** The stream exists with a configuration that the ban log cannot work with; the message names it. */
public final class StreamConflictException extends Exception {
    private static final long serialVersionUID = 1L;

    StreamConflictException(String stream, List<String> conflicts) {
        super("stream " + stream + " exists with a conflicting configuration: " + String.join("; ", conflicts)
                + " (change the stream, e.g. with nats stream edit, or the config; nothing was published)");
    }
}
