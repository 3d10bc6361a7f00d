package io.fail2bancluster.harness;

import com.beust.jcommander.JCommander;
import com.beust.jcommander.Parameter;
import com.beust.jcommander.ParameterException;
import com.beust.jcommander.Parameters;
import io.fail2bancluster.client.FanoutDestination;
import io.fail2bancluster.protocol.Wire;
import java.util.ArrayList;
import java.util.List;

/** The load test's command line; {@code --opt value} and {@code --opt=value} both work. */
@Parameters(separators = "=")
final class LoadOptions {
    static final String NAME = "fail2ban-cluster-loadtest";

    @Parameter(names = "--hosts", description = "Agent instances, all in this JVM on one event loop")
    int hosts = 20;

    @Parameter(names = "--servers", description = "Brokers to start, each in its own process (ignored with --server)")
    int servers = 1;

    @Parameter(names = "--bans", description = "Bans to publish, each with its own address")
    int bans = 1000;

    @Parameter(names = "--rate", description = "Bans published per second")
    int rate = 200;

    @Parameter(names = "--warmup", description = "Seconds of bans at the same rate before measuring, not counted: "
            + "the JIT compiles the delivery path and the heap settles first (0 = none)")
    int warmupSeconds = 10;

    @Parameter(names = "--server", description = "host:port of a running fanout server to use instead of "
            + "starting brokers (repeatable)")
    List<String> server = new ArrayList<>();

    // Boolean, not boolean: see --json
    @Parameter(names = "--nats", description = "Run on NATS JetStream instead of fanout: start one nats-server -js "
            + "(Debian's nats-server) on 127.0.0.1 and put every host on it")
    Boolean nats;

    @Parameter(names = "--nats-url", description = "URL[,URL...] of a running NATS JetStream cluster to use instead "
            + "of starting one (implies --nats)")
    String natsUrl;

    @Parameter(names = "--exec", description = "recording: actions are recorded, not run; "
            + "real: each runs /bin/true as a process (exec_concurrency 4, shared by all hosts)")
    String exec = "recording";

    @Parameter(names = "--channel", description = "Channel the bans are published on")
    String channel = "Fail2ban";

    // Boolean, not boolean: see --json
    @Parameter(names = "--attempts", description = "Attempts instead of bans: every host reports one failure a "
            + "second (--rate is --hosts) for --seconds; each address gets one report from each of --group hosts, and "
            + "the channel's fleet_ban (attempts and hosts both --group) makes every agent ban it exactly once")
    Boolean attempts;

    @Parameter(names = "--group", description = "With --attempts: the hosts that report each address")
    int group = 10;

    @Parameter(names = "--seconds", description = "With --attempts: seconds of reports measured (--bans is "
            + "--seconds x --hosts reports)")
    int seconds = 30;

    @Parameter(names = "--restart-broker", description = "Fanout, one started broker: after the measured run, "
            + "kill the broker for this many seconds while the hosts hand --outage-bans bans to their own agents "
            + "(outbox, ledger), start it again on its port, and check every host ran every outage ban once, "
            + "caught up from the fleet (0 = off)")
    int restartBrokerSeconds = 0;

    @Parameter(names = "--outage-bans", description = "Bans made during --restart-broker's outage, spread over the hosts")
    int outageBans = 100;

    @Parameter(names = "--settle", description = "Seconds to wait for the counts after the last change before giving up")
    int settleSeconds = 10;

    // Boolean, not boolean: JCommander prints the default of a field that has one ("Default: false")
    @Parameter(names = "--json", description = "Print the report as one JSON object on the last line of stdout")
    Boolean json;

    @Parameter(names = "--help", help = true, description = "Show this help and exit")
    boolean help;

    /** Parses and checks {@code argv}; throws {@link IllegalArgumentException} naming the bad option. */
    static LoadOptions parse(String... argv) {
        LoadOptions options = new LoadOptions();
        try {
            commander(options).parse(argv);
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        options.check();
        return options;
    }

    private void check() {
        positive("--hosts", hosts);
        positive("--servers", servers);
        positive("--bans", bans);
        positive("--rate", rate);
        positive("--settle", settleSeconds);
        if (attempts()) {
            positive("--seconds", seconds);
            if (group < 1 || group > hosts || hosts % group != 0) {
                throw new IllegalArgumentException("--group: must divide --hosts (" + hosts + "), got " + group);
            }
            rate = hosts;
            bans = (int) Math.min(Integer.MAX_VALUE, (long) seconds * hosts);
        }
        if (warmupSeconds < 0) {
            throw new IllegalArgumentException("--warmup: must not be negative, got " + warmupSeconds);
        }
        if ((long) bans + warmupBans() > 1 << 24) {
            throw new IllegalArgumentException("--bans: at most " + (1 << 24) + " with the warm-up's "
                    + warmupBans() + " (one 10.x.y.z address each)");
        }
        if (!exec.equals("recording") && !exec.equals("real")) {
            throw new IllegalArgumentException("--exec: expected recording or real, got " + exec);
        }
        Wire.requireChannel(channel);
        targets();
        if (restartBrokerSeconds < 0) {
            throw new IllegalArgumentException("--restart-broker: must not be negative, got " + restartBrokerSeconds);
        }
        positive("--outage-bans", outageBans);
        if (restartBrokerSeconds > 0 && (onNats() || !server.isEmpty() || servers != 1)) {
            throw new IllegalArgumentException("--restart-broker restarts the one broker the test starts: not with "
                    + "--nats, --server or --servers other than 1");
        }
        if (onNats() && !server.isEmpty()) {
            throw new IllegalArgumentException("--server is a fanout server: give either it or --nats/--nats-url");
        }
    }

    /** Whether the run is on NATS ({@code --nats} or {@code --nats-url}). */
    boolean onNats() {
        return Boolean.TRUE.equals(nats) || natsUrl != null;
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + ": must be at least 1, got " + value);
        }
    }

    /** Bans published during the warm-up: its seconds at the measured rate. */
    int warmupBans() {
        return (int) Math.min(1 << 24, (long) warmupSeconds * rate);
    }

    boolean attempts() {
        return Boolean.TRUE.equals(attempts);
    }

    /** Bans each agent runs for {@code published} messages: one per --group reports with --attempts. */
    int bansFor(int published) {
        return attempts() ? published / group : published;
    }

    /** The channel's fleet_ban with --attempts, else nothing. */
    String fleetBan() {
        return attempts() ? "fleet_ban: {attempts: " + group + ", hosts: " + group + ", findtime: 600, bantime: 3600}" : "";
    }

    /**
     * Report {@code n}: host {@code n mod hosts} reports a failure of address {@code n / group}, which is also
     * its ban id, so the fleet ban (the deciding report with action=banip) carries the id and the deciding
     * report's publish time.
     */
    String attempt(int n, long publishedNanos) {
        int address = n / group;
        return "jail=sshd, action=attempt, ip=10." + (address >>> 16 & 255) + "." + (address >>> 8 & 255) + "."
                + (address & 255) + ", source=h" + (n % hosts) + ", failures=1, id=" + address + ", t=" + publishedNanos;
    }

    boolean json() {
        return Boolean.TRUE.equals(json);
    }

    boolean realExec() {
        return exec.equals("real");
    }

    /** The {@code --server}s as targets; empty when brokers are to be started. */
    List<FanoutDestination> targets() {
        List<FanoutDestination> targets = new ArrayList<>();
        for (String hostPort : server) {
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("--server: expected host:port, got " + hostPort);
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                targets.add(new FanoutDestination(host, Integer.parseInt(hostPort.substring(colon + 1))));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--server: the port of " + hostPort + " is not a number");
            }
        }
        return targets;
    }

    static String usage() {
        StringBuilder text = new StringBuilder();
        commander(new LoadOptions()).getUsageFormatter().usage(text);
        return text.toString();
    }

    private static JCommander commander(LoadOptions options) {
        return JCommander.newBuilder().programName(NAME).addObject(options).build();
    }
}
