package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.agent.nft.NftEnforcer;
import io.fail2bancluster.agent.nft.NftScript;
import io.fail2bancluster.config.ActionTemplate;
import io.fail2bancluster.config.ChannelConfig;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.DefaultPaths;
import io.fail2bancluster.config.FilterEntry;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.config.TlsConfig;
import io.fail2bancluster.protocol.Message;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** What {@code check} prints: where the agent would connect, what it would run, and what looks wrong. */
public final class ConfigSummary {

    private ConfigSummary() {
    }

    public static String describe(ClusterConfig config) {
        return describe(config, DefaultPaths.forThisProcess());
    }

    /** @param defaults what control_socket and state_dir are when the file does not set them (said, for a user) */
    static String describe(ClusterConfig config, DefaultPaths defaults) {
        StringBuilder out = new StringBuilder();
        out.append("config ").append(config.source().map(Path::toString).orElse("(embedded)")).append(" is valid\n");
        out.append("log_level ").append(config.logLevel()).append(" (")
                .append(Logging.levelFor(config.logLevel()).name().toLowerCase(java.util.Locale.ROOT)).append("), log to ")
                .append(config.logFile().map(Path::toString).orElse("stderr")).append('\n');
        out.append("pid_file ").append(config.pidFile().map(Path::toString).orElse("(none)"))
                .append(", control_socket ").append(config.controlSocket()).append('\n');
        config.metrics().ifPresent(m -> out.append("metrics on http://").append(m).append("/metrics\n"));
        out.append("state_dir ").append(config.stateDir()).append(" (outbox of up to ").append(config.outboxMax())
                .append(" entries").append(config.natsServers().isEmpty() ? ")\n" : "; stream positions)\n");
        out.append("defaults for control_socket and state_dir: ").append(defaults.rule()).append('\n');
        out.append("failing actions retried with backoff, at most every ").append(config.actionRetryMax().toSeconds())
                .append(" s (action_retry_max); waiting ones count against exec_queue ").append(config.execQueue())
                .append('\n');
        for (ServerConfig server : config.servers()) {
            out.append("server ").append(server.address())
                    .append(" (ping every ").append(server.pingInterval().toSeconds())
                    .append(" s, timeout ").append(server.pingTimeout().toSeconds()).append(" s")
                    .append(server.tls().map(ConfigSummary::tls).orElse("")).append(")\n");
            channels(server.channels(), out);
        }
        for (NatsServerConfig server : config.natsServers()) {
            out.append("nats ").append(server.address()).append(" (stream ").append(server.stream())
                    .append(", replicas ").append(server.replicas().isPresent()
                            ? Integer.toString(server.replicas().getAsInt()) : "3 on a cluster of 3 or more, else 1")
                    .append(", retention ").append(server.retention().toSeconds()).append(" s, auth ")
                    .append(server.auth().describe())
                    .append(server.tls().map(ConfigSummary::natsTls).orElse("")).append(")\n");
            channels(server.channels(), out);
        }
        out.append("ledger of up to ").append(config.ledgerMax()).append(" bans in force (ledger_max; about ")
                .append(Math.max(1, (long) config.ledgerMax() * Ledger.HEAP_BYTES_PER_ENTRY / 1_000_000))
                .append(" MB of heap when full)\n");
        NftScript table = NftEnforcer.script(config);
        if (table != null) {
            out.append("nftables: the agent owns table ").append(table.table()).append(" (reconcile every ")
                    .append(table.config().reconcile().toSeconds()).append(" s) and would create:\n")
                    .append(table.definition());
        }
        for (String w : config.warnings()) {
            out.append("warning: ").append(w).append('\n');
        }
        return out.toString();
    }

    private static void channels(List<ChannelConfig> channels, StringBuilder out) {
        for (ChannelConfig channel : channels) {
            out.append("  channel ").append(channel.name()).append('\n');
            if (channel.enforce().isPresent()) {
                String v4 = NftScript.setName(channel.name(), false);
                String v6 = NftScript.setName(channel.name(), true);
                out.append("    enforce nftables into sets ").append(v4).append(", ").append(v6).append(" (addresses), ")
                        .append(v4).append("_net, ").append(v6).append("_net (CIDR blocks); bantime ")
                        .append(channel.bantime() == ChannelConfig.PERMANENT ? "-1: permanent" : channel.bantime() + " s")
                        .append(" unless the message has one\n");
            } else {
                channel.action().ifPresentOrElse(
                        a -> out.append("    action ").append(argv(channel.name(), a)).append('\n'),
                        () -> out.append("    action (none)\n"));
            }
            if (channel.batch() > 1) {
                out.append("    batch ").append(channel.batch())
                        .append(" (waiting actions that differ only in their last argument run as one)\n");
            }
            if (!channel.successExit().isEmpty()) {
                out.append("    success_exit ").append(new java.util.TreeSet<>(channel.successExit()))
                        .append(" (exit statuses that count as success besides 0)\n");
            }
            for (FilterEntry f : channel.filters()) {
                out.append("    filter ").append(filter(f)).append('\n');
            }
            if (channel.filters().isEmpty()) {
                out.append("    filter (none: every message passes)\n");
            }
            channel.fleetBan().ifPresent(b -> out.append("    fleet_ban: action=attempt reports are counted; ")
                    .append(b.attempts()).append(" failures from ").append(b.hosts()).append(" hosts within ")
                    .append(b.findtime().toSeconds()).append(" s run the action as action=banip with bantime=")
                    .append(b.bantime().toSeconds()).append(" (at most ").append(b.maxTracked())
                    .append(" addresses tracked)\n"));
        }
    }

    /** TLS to a NATS cluster: each URL's host is verified against its certificate. */
    private static String natsTls(TlsConfig tls) {
        return ", TLS verifying each URL's host against " + tls.caFile().map(Path::toString).orElse("the JDK trust store")
                + tls.certFile().map(cert -> ", client certificate " + cert).orElse("");
    }

    /**
     * The argv the action splits into, each argument in brackets so quoting is visible. Each placeholder
     * is rendered as itself: values are never re-scanned, so {@code %ip%} stays {@code %ip%}. An action
     * using the whole message is shown as written, since the whole message would show as key=value pairs.
     */
    static String argv(String channel, ActionTemplate action) {
        if (action.placeholders().contains(ActionTemplate.WHOLE_MESSAGE)) {
            return action.text();
        }
        String selfValued = action.placeholders().stream()
                .filter(p -> !p.startsWith("_"))
                .map(p -> p + "=%" + p + "%")
                .collect(Collectors.joining(", "));
        if (action.render(channel, Message.parse(selfValued)) instanceof ActionTemplate.Rendered.Argv a) {
            return a.argv().stream().map(s -> "[" + s + "]").collect(Collectors.joining(" "));
        }
        return action.text();
    }

    /** {@code ip in [a, b]}, {@code ip matches /regex/} or both: an entry with only a pattern accepts no fixed list. */
    static String filter(FilterEntry f) {
        String values = f.values().isEmpty() ? null : f.key() + " in " + f.values();
        String pattern = f.pattern().map(p -> "matches /" + p.pattern() + "/").orElse(null);
        if (values == null) {
            return f.key() + " " + pattern;
        }
        return pattern == null ? values : values + " and " + pattern;
    }

    /** {@code , TLS verifying NAME against CA} and the client certificate, so {@code check} shows whom it trusts. */
    private static String tls(TlsConfig tls) {
        return ", TLS verifying " + tls.serverName() + " against " + tls.caFile().map(Path::toString).orElse("the JDK trust store")
                + tls.certFile().map(cert -> ", client certificate " + cert).orElse("");
    }
}
