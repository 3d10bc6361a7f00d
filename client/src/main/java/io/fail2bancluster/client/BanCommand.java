package io.fail2bancluster.client;

import static io.fail2bancluster.client.ClientMain.EXIT_OK;
import static io.fail2bancluster.client.ClientMain.EXIT_USAGE;
import static io.fail2bancluster.client.ClientMain.NAME;

import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.ClusterConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code ban ADDRESS [--jail J] [--duration D] [--reason TEXT]} and {@code unban ADDRESS [--jail J]}: a manual,
 * fleet-wide ban or unban, published as fail2ban's action publishes one ({@link ManualBan}), with
 * {@code source=} this host's name (the config's {@code hostname}) and through {@link PublishCommand}'s steps:
 * the same targets, confirmation and exit statuses as {@code publish}.
 */
final class BanCommand {
    static final String BAN_USAGE = """
            Usage: fail2ban-cluster-client ban ADDRESS [--jail JAIL] [--duration D] [--reason TEXT] [publish options]

            Bans ADDRESS (an IPv4 or IPv6 address, or a CIDR block such as 203.0.113.0/24) on every host:
            publishes "jail=JAIL, action=banip, ip=ADDRESS, source=HOST, bantime=SECONDS" on CHANNEL to
            every server in the config carrying it, as fail2ban's action does. Exit 0 when every server
            accepted it, 1 when any did not, 2 when nothing was sent.

                  --jail JAIL         the jail (default sshd: the one the shipped config's filter lets
                                      through); receivers whose filter does not list it skip the ban
                  --duration D        600 (seconds), 10m, 4h, 7d, 2w or permanent (default 4h)
                  --reason TEXT       a note that travels as reason=TEXT (no ','; up to 200 characters)
              -c, --channel CHANNEL   default Fail2ban
                  --config FILE, --host HOST [-p PORT] [--tls ...], --nats URL,..., --agent[=SOCKET],
                  --timeout SECONDS, --secret-file FILE, -v, -q: as for publish (see --help)

            source= is the config's hostname; an agent with skip_own: true on this host skips it, as it
            skips this host's own fail2ban bans. Examples:
              fail2ban-cluster-client ban 203.0.113.7 --duration 7d --reason "credential stuffing"
              fail2ban-cluster-client ban 2001:db8:bad::/48 --jail nginx-http-auth --duration permanent
            """;
    static final String UNBAN_USAGE = """
            Usage: fail2ban-cluster-client unban ADDRESS [--jail JAIL] [publish options]

            Lifts a ban on every host: publishes "jail=JAIL, action=unbanip, ip=ADDRESS, source=HOST" on
            CHANNEL, as fail2ban's action does. ADDRESS and JAIL as they were banned (default jail sshd);
            options and exit statuses as for ban. Example:
              fail2ban-cluster-client unban 203.0.113.7
            """;

    private BanCommand() {
    }

    static int run(boolean ban, List<String> args, PrintStream out, PrintStream err,
            Function<Path, ClusterConfig> loadConfig, Publisher publisher) {
        String command = ban ? "ban" : "unban";
        ClientArgs.Publish publish;
        AddressRange address;
        String jail;
        long bantime = 0;
        String reason = null;
        try {
            SubcommandArgs parsed = SubcommandArgs.parse(args,
                    ban ? Set.of("--jail", "--duration", "--reason") : Set.of("--jail"), Set.of(), true);
            if (parsed.has("--help")) {
                out.print(ban ? BAN_USAGE : UNBAN_USAGE);
                return EXIT_OK;
            }
            address = ManualBan.address(parsed.single("ADDRESS"));
            jail = ManualBan.jail(parsed.value("--jail", ManualBan.DEFAULT_JAIL));
            if (ban) {
                bantime = ManualBan.bantime(parsed.value("--duration", ManualBan.DEFAULT_DURATION));
                reason = parsed.has("--reason") ? ManualBan.reason(parsed.value("--reason", "")) : null;
            }
            publish = (ClientArgs.Publish) ClientArgs.parse(parsed.publishArgs());
        } catch (UsageException | IllegalArgumentException e) {
            return usage(command, e.getMessage(), err);
        }
        Sender sender = Sender.of(publish, loadConfig, err);
        if (sender == null) {
            return EXIT_USAGE;
        }
        String message = ban ? ManualBan.banMessage(jail, address, sender.source(), bantime, reason)
                : ManualBan.unbanMessage(jail, address, sender.source());
        PublishCommand.Prepared prepared = PublishCommand.prepare(publish, List.of(message), err, sender.loadConfig());
        if (prepared == null) {
            return EXIT_USAGE;
        }
        List<PublishResult> results = publisher.publish(prepared.route().destinations(), prepared.announces().get(0),
                publish.timeout());
        int status = PublishCommand.report(results, publish.verbose(), err);
        if (status == EXIT_OK && !publish.quiet()) {
            // unlike publish, which fail2ban runs, this is typed by someone who wants to know it happened
            out.println(NAME + " " + command + ": " + address.canonical() + (ban ? " banned in jail " + jail + " "
                    + ManualBan.describe(bantime) : " unbanned in jail " + jail) + ", accepted by " + results.size()
                    + " server(s)");
        }
        return status;
    }

    static int usage(String command, String problem, PrintStream err) {
        err.println(NAME + " " + command + ": " + problem);
        err.println("Try '" + NAME + " " + command + " --help' for more information.");
        return EXIT_USAGE;
    }

    /**
     * Who a manual ban comes from, and the config its publish reads: the config's {@code hostname} when the
     * servers come from the config (read once, here), the machine's name when the command line names the target.
     */
    record Sender(String source, Function<Path, ClusterConfig> loadConfig) {
        /** @return null when the config cannot be read; the error is on {@code err} then */
        static Sender of(ClientArgs.Publish publish, Function<Path, ClusterConfig> loadConfig, PrintStream err) {
            if (publish.destination() != null) {
                return new Sender(ClusterConfig.machineHostname(), loadConfig);
            }
            ClusterConfig config;
            try {
                config = Route.load(loadConfig, publish.config());
            } catch (IllegalArgumentException e) {
                err.println(NAME + ": " + e.getMessage());
                return null;
            }
            return new Sender(config.hostname(), path -> config);
        }
    }
}
