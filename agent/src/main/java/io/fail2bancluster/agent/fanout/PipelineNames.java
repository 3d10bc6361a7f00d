package io.fail2bancluster.agent.fanout;

import java.util.List;

/** Names of the handlers in a server connection's pipeline, in pipeline order. */
public final class PipelineNames {
    /** Only on a {@code tls: true} server, before everything else: the SslHandler, then its failure log. */
    public static final String TLS = "tls";
    public static final String TLS_LOG = "tls-log";
    public static final String FRAME = "frame";
    static final String OVERLONG = "overlong";
    static final String DECODER = "decoder";
    static final String ENCODER = "encoder";
    /** Only when the agent keeps an outbox: delivers it, and sees every ping and its answer. */
    static final String OUTBOX = "outbox";
    static final String LIVENESS = "liveness";
    /** Only when the agent keeps a ledger: fanout catch-up, asked on each greeting, told of every line. */
    static final String CATCH_UP = "catch-up";
    static final String SESSION = "session";
    /** Hands channel messages to the server's {@link MessagePath}: limits, signature, filter, dedupe, exec. */
    public static final String PATH = "path";
    /** Always last: what any handler let through is counted and logged here; the connection stays. */
    public static final String ERRORS = "errors";

    /** Without an outbox, which sits between the encoder and liveness when there is one. */
    static final List<String> IN_ORDER =
            List.of(FRAME, OVERLONG, DECODER, ENCODER, LIVENESS, SESSION, PATH, ERRORS);

    private PipelineNames() {
    }
}
