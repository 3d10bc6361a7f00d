package io.fail2bancluster.agent;

import io.fail2bancluster.agent.assembly.Agent;
import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.exec.ActionRunner;
import io.fail2bancluster.agent.exec.Invocation;
import io.fail2bancluster.agent.fanout.ServerLink;
import io.fail2bancluster.agent.fanout.ServerPipeline;
import io.fail2bancluster.agent.path.ChannelRoutes;
import io.fail2bancluster.agent.path.Deduplicator;
import io.fail2bancluster.agent.path.ExecReporter;
import io.fail2bancluster.agent.path.MessagePath;
import io.fail2bancluster.agent.path.Route;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.config.ActionTemplate.Rendered;
import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.FilterEntry;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.util.Backoff;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Shared test material: the sample config's route and an action runner that only records. */
public final class Fixtures {
    public static final String CHANNEL = "Fail2ban";

    private Fixtures() {
    }

    /**
     * A server's link with no routes and a recording runner, for tests of its connection lifecycle alone.
     */
    public static ServerLink link(ServerState state, EventLoop loop, ServerLink.Connector connector, Backoff backoff,
                           Duration stableAfter) {
        ChannelRoutes none = new ChannelRoutes(Map.of(), Map.of());
        MessagePath path = new MessagePath(state, 0, none,
                shared(loop, new Deduplicator(Duration.ofSeconds(5)), new RecordingRunner()));
        return new ServerLink(state, path, loop, connector, backoff, stableAfter);
    }

    /**
     * The link and pipeline of the first server of {@code config}, as the agent assembles them, on
     * {@code channel}'s loop, with {@code routes} instead of the config's own.
     */
    public static ServerLink assemble(EmbeddedChannel channel, ServerConfig server, Map<String, Route> routes,
                               ServerState state, ActionRunner runner, SslContext tls) {
        ChannelRoutes channelRoutes = ChannelRoutes.of(server, routes);
        MessagePath.Shared shared = shared(channel.eventLoop(), new Deduplicator(Duration.ofSeconds(5)), runner);
        ServerLink link = new ServerLink(state, new MessagePath(state, 0, channelRoutes, shared),
                channel.eventLoop(), () -> {
                    throw new UnsupportedOperationException("the test sets the channel up itself");
                }, new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60)), Duration.ofSeconds(10));
        channel.pipeline().addLast(new ServerPipeline(server, link, shared.limits().maxLine(), tls, Agent.PROCESS_NAME));
        return link;
    }

    /** What every server shares, with the default limits and signature window and the system clock. */
    public static MessagePath.Shared shared(EventLoop loop, Deduplicator deduplicator, ActionRunner runner) {
        return new MessagePath.Shared(loop, deduplicator, runner, new ExecReporter(loop.ticker()),
                ClusterConfig.Limits.DEFAULTS, ClusterConfig.DEFAULT_SIGNATURE_WINDOW, Clock.systemUTC());
    }

    /** A route with no ignore_ip, no guard against leading dashes, and batch 1 (tests of the filter alone). */
    public static Route route(String channel, List<FilterEntry> filters, Route.Renderer action, String label) {
        return route(channel, filters, action, label, null);
    }

    /** Like {@link #route(String, List, Route.Renderer, String)}, with skip_own for {@code ownHost}. */
    public static Route route(String channel, List<FilterEntry> filters, Route.Renderer action, String label, String ownHost) {
        return new Route(channel, filters, action, label, ownHost, List.of(), Set.of(), 1);
    }

    /** The sample config's channel: action banip|unbanip and jail sshd; action {@code ban %jail% %action% %ip%}. */
    public static Route fail2banRoute() {
        return route(CHANNEL,
                List.of(new FilterEntry("servers[0].channels[0].filter[0]", "action", List.of("banip", "unbanip")),
                        new FilterEntry("servers[0].channels[0].filter[1]", "jail", List.of("sshd"))),
                Fixtures::renderBan, "ban %jail% %action% %ip%");
    }

    /** A channel key read from {@code file}, written first with {@code text} and the owner-only mode keys need. */
    public static SigningKey signingKey(Path file, String text) throws IOException {
        Files.writeString(file, text + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return SigningKey.read(file);
    }

    /** Stands in for ActionTemplate.render of {@code ban %jail% %action% %ip%}. */
    public static Rendered renderBan(String channel, io.fail2bancluster.protocol.Message message) {
        List<String> argv = new ArrayList<>(List.of("ban"));
        for (String key : List.of("jail", "action", "ip")) {
            String value = message.get(key);
            if (value == null) {
                return new Rendered.Missing(key);
            }
            argv.add(value);
        }
        return new Rendered.Argv(argv);
    }

    /** Records what it is asked to run; the test decides when and how each one ends. */
    public static final class RecordingRunner implements ActionRunner {
        public record Call(Invocation invocation, Consumer<ActionResult> whenDone) {
        }

        public final List<Call> calls = new CopyOnWriteArrayList<>();

        @Override
        public void run(Invocation invocation, Consumer<ActionResult> whenDone) {
            calls.add(new Call(invocation, whenDone));
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> shutdown(java.time.Duration grace) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        public List<List<String>> argvs() {
            return calls.stream().map(c -> c.invocation().argv()).toList();
        }
    }
}
