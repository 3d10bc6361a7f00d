package io.fail2bancluster.client;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigException;
import io.fail2bancluster.protocol.Command;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code fail2ban-cluster-client resync}: announces again every address a jail bans now, as
 * {@code banip} from this host. fanout keeps no history, so a host that was down or is new has missed
 * bans; a cron job (or the new host's neighbours) running this brings it in line. It publishes through
 * the same {@link Route} and {@link Publisher} as {@code publish}, to fanout servers and NATS clusters alike. Repeats cost nothing:
 * agents deduplicate, and fail2ban answers "already banned".
 *
 * <pre>
 * fail2ban-cluster-client resync (--jail JAIL ... | --all) [-c CHANNEL] [--config FILE] [--socket F2B_SOCKET]
 *                                [--source NAME] [--timeout SECONDS]
 * </pre>
 */
final class Resync {
    static final String USAGE = """
            Usage: fail2ban-cluster-client resync (--jail JAIL ... | --all) [options]

            Announces "jail=JAIL, action=banip, ip=IP, source=HOST" for every address that
            `fail2ban-client get JAIL banned` lists, to every server in the config carrying CHANNEL:
            fanout servers and NATS clusters, signed with the channel's key when it has one.

                  --jail JAIL         a jail whose bans to announce again (repeatable)
                  --all               every jail `fail2ban-client status` lists
              -c, --channel CHANNEL   default Fail2ban
                  --config FILE       default /etc/fail2ban-cluster.yml
                  --socket FILE       fail2ban's socket (fail2ban-client -s), default fail2ban's own
                  --source NAME       source= value, default the config's hostname (skip_own compares it)
                  --timeout SECONDS   deadline per announce (default 5)
            """;
    static final String DEFAULT_CHANNEL = "Fail2ban";

    private Resync() {
    }

    static int run(List<String> args, PrintStream out, PrintStream err, Function<Path, ClusterConfig> loadConfig,
                   Publisher publisher, Function<String, Fail2banBans> fail2ban) {
        if (args.contains("-h") || args.contains("--help")) {
            out.print(USAGE);
            return ClientMain.EXIT_OK;
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (UsageException e) {
            err.println(ClientMain.NAME + " resync: " + e.getMessage());
            err.println("Try '" + ClientMain.NAME + " resync --help' for more information.");
            return ClientMain.EXIT_USAGE;
        }
        Route route;
        ClusterConfig config;
        try {
            config = loadConfig.apply(options.config);
            route = Route.fromConfig(path -> config, options.config, options.channel, null);
        } catch (ConfigException e) {
            err.println(ClientMain.NAME + ": " + e.getMessage());
            return ClientMain.EXIT_USAGE;
        } catch (IllegalArgumentException e) {
            err.println(ClientMain.NAME + " resync: " + e.getMessage());
            return ClientMain.EXIT_USAGE;
        }
        String source = options.source != null ? options.source : config.hostname();

        Fail2banBans bans = fail2ban.apply(options.socket);
        List<Command.Announce> announces = new ArrayList<>();
        try {
            for (String jail : options.all ? bans.jails() : options.jails) {
                for (String ip : bans.banned(jail)) {
                    announces.add(OutgoingAnnounce.prepare(new Command.Announce(options.channel,
                            "jail=" + jail + ", action=banip, ip=" + ip + ", source=" + source),
                            route.key(), route.limits(), route.destinations()));
                }
            }
        } catch (IOException e) {
            err.println(ClientMain.NAME + " resync: " + e.getMessage() + "; nothing sent");
            return ClientMain.EXIT_USAGE;
        } catch (IllegalArgumentException e) {
            err.println(ClientMain.NAME + " resync: refused, nothing sent: " + e.getMessage());
            return ClientMain.EXIT_USAGE;
        }

        int failed = 0;
        for (Command.Announce announce : announces) {
            for (PublishResult result : publisher.publish(route.destinations(), announce, options.timeout)) {
                if (!result.accepted()) {
                    err.println(ClientMain.NAME + " resync: " + announce.message() + ": " + result);
                    failed++;
                }
            }
        }
        out.println(ClientMain.NAME + " resync: announced " + announces.size() + " ban(s) to "
                + route.destinations().size() + " server(s)" + (failed > 0 ? ", " + failed + " not accepted" : ""));
        return failed > 0 ? ClientMain.EXIT_FAILED : ClientMain.EXIT_OK;
    }

    private static final class Options {
        final Set<String> jails = new LinkedHashSet<>();
        boolean all;
        String channel = DEFAULT_CHANNEL;
        Path config = ClusterConfig.DEFAULT_PATH;
        String socket;
        String source;
        Duration timeout = ClientArgs.DEFAULT_TIMEOUT;

        static Options parse(List<String> args) {
            Options o = new Options();
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                int eq = arg.indexOf('=');
                String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
                boolean takesValue = !name.equals("--all");
                String value = null;
                if (takesValue) {
                    if (eq > 0 && arg.startsWith("--")) {
                        value = arg.substring(eq + 1);
                    } else if (i + 1 < args.size()) {
                        value = args.get(++i);
                    } else {
                        throw new UsageException(name + " needs a value");
                    }
                }
                switch (name) {
                    case "--jail" -> o.jails.add(value);
                    case "--all" -> o.all = true;
                    case "-c", "--channel" -> o.channel = value;
                    case "--config" -> o.config = Path.of(value);
                    case "--socket" -> o.socket = value;
                    case "--source" -> o.source = value;
                    case "--timeout" -> o.timeout = ClientArgs.parseTimeout(value);
                    default -> throw new UsageException("unknown option " + arg);
                }
            }
            if (o.all == !o.jails.isEmpty()) {
                throw new UsageException("give --jail JAIL (one or more) or --all");
            }
            return o;
        }
    }
}
