package io.fail2bancluster.client;

import static io.fail2bancluster.client.ClientMain.EXIT_FAILED;
import static io.fail2bancluster.client.ClientMain.EXIT_OK;
import static io.fail2bancluster.client.ClientMain.EXIT_USAGE;
import static io.fail2bancluster.client.ClientMain.NAME;

import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigException;
import io.fail2bancluster.config.DefaultPaths;
import io.fail2bancluster.config.NatsServerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code bans [--config FILE | --agent [SOCKET]] [-c CHANNEL] [--jail JAIL] [--ip ADDRESS] [--json]}: the bans
 * in force, one row per (jail, address). A NATS cluster of the config is read directly ({@link StreamBans}: its
 * stream, as a new host's catch-up reads it); fanout servers keep nothing, so for them, and with {@code --agent},
 * the local agent answers from its ledger ({@link AgentBans}). Exit 0 listed; 1 a source could not be read (what
 * the others had is still listed); 2 bad arguments or config.
 */
final class BansCommand {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    static final String USAGE = """
            Usage: fail2ban-cluster-client bans [--config FILE | --agent [SOCKET]] [-c CHANNEL] [--jail JAIL]
                                                [--ip ADDRESS] [--json] [--timeout SECONDS]

            Lists the bans in force, one row per jail and address, the soonest to end first: ADDRESS,
            JAIL, SOURCE (the host that made the ban), SINCE and UNTIL (local time; "permanent").
            Each NATS cluster in the config is read directly: the latest message per ban key in its
            stream, without those that ended or were unbanned. Fanout servers keep nothing: for them
            (and with --agent) the local agent answers from the bans it knows to be in force.
            Exit 0 listed (none is a list too), 1 a source could not be read (the others are still
            listed), 2 bad arguments or config.

                  --config FILE       the servers to ask (default /etc/fail2ban-cluster.yml)
                  --agent [SOCKET]    ask only the local agent (default its control socket)
              -c, --channel CHANNEL   only this channel's bans (default: every channel)
                  --jail JAIL         only this jail's
                  --ip ADDRESS        only the bans covering ADDRESS (an address or CIDR block),
                                      ranges included: --ip 10.1.2.3 lists a ban of 10.0.0.0/8
                  --json              a JSON array for scripts: ip, jail, source, since, until
                                      (epoch seconds; until null when permanent), channel
                  --timeout SECONDS   per source (default 30)

            Examples:
              fail2ban-cluster-client bans
              fail2ban-cluster-client bans --ip 203.0.113.7
              fail2ban-cluster-client bans --jail sshd --json | jq -r '.[].ip'
            """;

    private BansCommand() {
    }

    static int run(List<String> args, PrintStream out, PrintStream err, Function<Path, ClusterConfig> loadConfig,
            Clock clock) {
        SubcommandArgs parsed;
        AddressRange ip;
        Duration timeout;
        try {
            parsed = SubcommandArgs.parse(args, Set.of("--config", "--channel", "--jail", "--ip", "--timeout"),
                    Set.of("--json", "--agent"), false);
            if (parsed.has("--help")) {
                out.print(USAGE);
                return EXIT_OK;
            }
            if (parsed.has("--agent") && parsed.has("--config")) {
                throw new UsageException("--agent asks the local agent only, --config the servers of a config; "
                        + "give one of them");
            }
            parsed.none("a positional argument");
            ip = parsed.has("--ip") ? ManualBan.address(parsed.value("--ip", "")) : null;
            timeout = parsed.has("--timeout") ? ClientArgs.parseTimeout(parsed.value("--timeout", "")) : DEFAULT_TIMEOUT;
        } catch (UsageException | IllegalArgumentException e) {
            return BanCommand.usage("bans", e.getMessage(), err);
        }
        String channel = parsed.value("--channel", null);
        String jail = parsed.value("--jail", null);
        Instant now = clock.instant();

        List<Source> sources = new ArrayList<>();
        if (parsed.has("--agent")) {
            String socket = parsed.value("--agent", "");
            sources.add(new AgentSource(socket.isEmpty() ? DefaultPaths.forThisProcess().controlSocket() : Path.of(socket)));
        } else {
            Path file = Path.of(parsed.value("--config", ClusterConfig.DEFAULT_PATH.toString()));
            ClusterConfig config;
            try {
                config = loadConfig.apply(file);
            } catch (ConfigException e) {
                err.println(NAME + " bans: " + e.getMessage() + (parsed.has("--config") ? ""
                        : "; without --config the servers come from it: give --config FILE, or --agent to ask the "
                        + "local agent"));
                return EXIT_USAGE;
            }
            Set<String> clusters = new HashSet<>();
            for (NatsServerConfig cluster : channel == null ? config.natsServers() : config.natsServersWithChannel(channel)) {
                if (clusters.add(cluster.address() + " " + cluster.stream())) {
                    sources.add(new StreamSource(cluster));
                }
            }
            if (!(channel == null ? config.servers() : config.serversWithChannel(channel)).isEmpty()) {
                sources.add(new AgentSource(config.controlSocket()));
            }
            if (sources.isEmpty()) {
                err.println(NAME + " bans: no server in " + file + (channel == null ? "" : " has a channel named " + channel));
                return EXIT_USAGE;
            }
        }

        Map<String, BanRow> rows = new LinkedHashMap<>();
        int status = EXIT_OK;
        for (Source source : sources) {
            try {
                for (BanRow row : source.read(channel, jail, ip, timeout, now)) {
                    if ((channel == null || channel.equals(row.channel())) && (jail == null || jail.equals(row.jail()))
                            && (ip == null || row.covers(ip))) {
                        rows.merge(row.jail() + " " + row.address().canonical(), row, BanRow::longer);
                    }
                }
            } catch (IOException e) {
                err.println(NAME + " bans: " + source.name() + ": " + e.getMessage());
                status = EXIT_FAILED;
            }
        }
        List<BanRow> sorted = new ArrayList<>(rows.values());
        sorted.sort(BanRow.BY_UNTIL);
        if (parsed.has("--json")) {
            BansTable.printJson(sorted, out);
        } else {
            BansTable.printTable(sorted, clock.getZone(), out);
        }
        return status;
    }

    /** Where the bans come from. */
    private interface Source {
        String name();

        List<BanRow> read(String channel, String jail, AddressRange ip, Duration timeout, Instant now) throws IOException;
    }

    private record StreamSource(NatsServerConfig cluster) implements Source {
        @Override
        public String name() {
            return cluster.address();
        }

        @Override
        public List<BanRow> read(String channel, String jail, AddressRange ip, Duration timeout, Instant now)
                throws IOException {
            return StreamBans.read(cluster, channel, timeout, now);
        }
    }

    private record AgentSource(Path socket) implements Source {
        @Override
        public String name() {
            return "the agent on " + socket;
        }

        @Override
        public List<BanRow> read(String channel, String jail, AddressRange ip, Duration timeout, Instant now)
                throws IOException {
            return AgentBans.read(socket, AgentBans.request(channel, jail, ip), new Deadline(System.nanoTime(), timeout));
        }
    }
}
