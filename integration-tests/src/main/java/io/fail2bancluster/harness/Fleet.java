package io.fail2bancluster.harness;

import io.fail2bancluster.agent.assembly.Agent;
import io.fail2bancluster.agent.assembly.AgentBuilder;
import io.fail2bancluster.agent.outbox.OutboxStore;
import io.fail2bancluster.config.ClusterConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.client.FanoutDestination;
import io.fail2bancluster.config.ConfigLoader;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * H agents in this JVM, all on one shared event loop as the real agent runs on one. Each has its own
 * config (parsed from YAML by the real loader), its connections to every server, its filter and dedupe;
 * their actions go to the runner made for their host.
 */
final class Fleet implements AutoCloseable {
    /** The counters summed over every host and server. */
    record Counts(long received, long executed, long failed, long dropped, long filteredOut, long deduplicated,
            long reconnects, int connected) {
        /** What happened since {@code before}; {@code connected} is a state, not a count, and stays as now. */
        Counts minus(Counts before) {
            return new Counts(received - before.received, executed - before.executed, failed - before.failed,
                    dropped - before.dropped, filteredOut - before.filteredOut, deduplicated - before.deduplicated,
                    reconnects - before.reconnects, connected);
        }
    }

    private static final String SETTINGS = """
            log_level: 1
            reconnect_min: 0.1
            reconnect_max: 2
            """;

    private final EventLoopGroup group = Agent.newEventLoopGroup(1);
    private final List<Agent> agents = new ArrayList<>();

    /** @param configForHost each host's config file, as YAML */
    Fleet(int hosts, IntFunction<String> configForHost, IntFunction<ActionRunner> runnerForHost) {
        this(hosts, configForHost, runnerForHost, false);
    }

    /**
     * @param keepState each host keeps an outbox and a ledger in its config's {@code state_dir}, as a host does:
     *                  its own bans are handed to its agent, and it catches up over fanout
     */
    Fleet(int hosts, IntFunction<String> configForHost, IntFunction<ActionRunner> runnerForHost, boolean keepState) {
        for (int host = 0; host < hosts; host++) {
            ClusterConfig config = ConfigLoader.parse(configForHost.apply(host), "loadtest host " + host);
            AgentBuilder builder = Agent.builder(config).runner(runnerForHost.apply(host)).group(group);
            if (keepState) {
                try {
                    builder.outbox(OutboxStore.open(config.stateDir().resolve("outbox"), config.outboxMax()))
                            .ledgerIn(config.stateDir());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            agents.add(builder.start());
        }
    }

    /** The fanout config of {@link #config}, with {@code state_dir} and {@code hostname} {@code host-N}. */
    static String statefulConfig(List<FanoutDestination> servers, String channel, String program, Path stateDir,
                                 int host) {
        // a ban announced again carries the keys of a ban, not the harness' id and t: the id is read from the ip
        return config(servers, channel, program, "").replace("%id% %t%", "%ip% %jail%") + "state_dir: '" + stateDir
                + "'\nhostname: " + hostname(host) + "\n";
    }

    static String hostname(int host) {
        return "host-" + host;
    }

    Agent agent(int host) {
        return agents.get(host);
    }

    /** Catch-up summed over every host: requests sent, bans announced again, bans recovered. */
    long[] catchUp() {
        long[] sums = new long[3];
        for (Agent agent : agents) {
            agent.statusAsync().join().ledger().ifPresent(l -> {
                sums[0] += l.requestsSent();
                sums[1] += l.reannounced();
                sums[2] += l.recovered();
            });
        }
        return sums;
    }

    /**
     * The same channel, action and filter as {@link #config} on one NATS cluster; each host keeps its stream
     * position in its own {@code state_dir}, as hosts do.
     */
    static String natsConfig(String urls, String channel, String program, Path stateDir, String fleetBan) {
        return "state_dir: '" + stateDir + "'\nservers:\n  - nats: [" + urls + "]\n" + channels(channel, program, fleetBan)
                + SETTINGS;
    }

    /**
     * Every host subscribes to the channel on every server, runs {@code <program> %id% %t%} for a ban from
     * sshd, and keeps the default dedupe window, so a ban arriving through S servers runs once per host.
     */
    static String config(List<FanoutDestination> servers, String channel, String program, String fleetBan) {
        StringBuilder yaml = new StringBuilder("servers:\n");
        for (FanoutDestination server : servers) {
            yaml.append("""
                      - host: '%s'
                        port: %d
                        ping_timeout: 30
                    """.formatted(server.host(), server.port())).append(channels(channel, program, fleetBan));
        }
        return yaml.append(SETTINGS).toString();
    }

    /** A server entry's channels: the one channel, its action, its filter and its {@code fleet_ban} (or ""). */
    private static String channels(String channel, String program, String fleetBan) {
        return """
                    channels:
                      - name: %s
                        action: "%s %%id%% %%t%%"
                        filter:
                          - key: jail
                            values: [sshd]
                          - key: action
                            values: [banip]
                        %s
                """.formatted(channel, program, fleetBan);
    }

    int hosts() {
        return agents.size();
    }

    /** Sums every agent's status, each taken on the loop without blocking it. */
    Counts counts() {
        List<CompletableFuture<AgentStatus>> statuses = agents.stream().map(Agent::statusAsync).toList();
        long received = 0, executed = 0, failed = 0, dropped = 0, filtered = 0, deduplicated = 0, reconnects = 0;
        int connected = 0;
        for (CompletableFuture<AgentStatus> status : statuses) {
            for (AgentStatus.ServerStatus server : status.join().servers()) {
                received += server.counters().get("received");
                executed += server.counters().get("executed");
                failed += server.counters().get("failed") + server.counters().get("timed_out");
                dropped += server.counters().get("dropped") + server.counters().get("rejected");
                filtered += server.counters().get("filtered_out");
                deduplicated += server.counters().get("deduplicated");
                reconnects += server.reconnects();
                connected += "connected".equals(server.state()) ? 1 : 0;
            }
        }
        return new Counts(received, executed, failed, dropped, filtered, deduplicated, reconnects, connected);
    }

    @Override
    public void close() {
        CompletableFuture.allOf(agents.stream().map(a -> a.shutdown(Duration.ofSeconds(5)))
                .toArray(CompletableFuture[]::new)).join();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
