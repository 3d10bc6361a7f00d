package io.fail2bancluster.client;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigException;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.config.NatsServerConfig;
import io.fail2bancluster.config.ServerConfig;
import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.protocol.MessageSignature;
import io.fail2bancluster.protocol.Wire;
import io.fail2bancluster.util.ProductVersion;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code fail2ban-cluster-client}: announces one message on one channel to every fanout server that
 * carries it and exits with an honest status. fail2ban runs it synchronously on every ban, so its
 * start-up is part of ban latency: no event loop, no logging framework, errors go straight to stderr.
 *
 * <p>Exit status: 0 every target accepted the announce; 1 at least one did not (one line per failed
 * target on stderr); 2 nothing was sent: a malformed command line (with a pointer to --help), a channel or
 * message the protocol cannot carry, an unreadable or invalid config, or no configured server that
 * carries the channel.
 */
public final class ClientMain {
    static final String NAME = "fail2ban-cluster-client";
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    static final String USAGE = """
            Usage: fail2ban-cluster-client [publish] -c CHANNEL -m MESSAGE [options]

            Announces MESSAGE on CHANNEL to every server in the config that has a channel of that
            name (all at once), or to --host or --nats only. A fanout server accepted the announce
            when it answered a ping sent right after it; a NATS cluster when JetStream acknowledged
            that its stream stored it. Exit 0 when every server accepted, 1 when any did not (one
            line per failed server on stderr), 2 when nothing was sent (bad arguments or config).
            A publish that every server accepted prints nothing, as fail2ban logs what an action
            prints on stderr; -v reports each server that accepted.

              -c, --channel CHANNEL   channel to announce on (no space, '!', CR, LF)
              -m, --message MESSAGE   e.g. "jail=sshd, action=banip, ip=192.0.2.7" (no CR, LF, NUL)
                  --config FILE       servers to announce to (default /etc/fail2ban-cluster.yml)
                  --host HOST         announce to this server only; the config is not read
              -p, --port PORT         port of --host (default 1986)
                  --nats URL,...      publish to this NATS cluster only (nats://host:port, tls:// for
                                      TLS), stream FAIL2BAN_CLUSTER; the config is not read
                  --tls               use TLS with --host; hostname verification is always on
                  --ca-file FILE      PEM CA certificates to trust (default: the JDK's trust store)
                  --cert-file FILE    PEM client certificate, for servers that require one
                  --key-file FILE     its key, unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY)
                  --server-name NAME  name the server's certificate must carry, sent as SNI (default HOST)
                  --timeout SECONDS   overall deadline (default 5)
                  --secret-file FILE  sign the message with this key (default: the channel's first
                                      secret_files entry in the config, if any)
                  --agent [SOCKET]    hand the message to the local fail2ban-clusterd instead (default
                                      socket /run/fail2ban-cluster/control.sock): it keeps it on disk
                                      and delivers it to its servers until each has it; exit 0 once
                                      it has it, 1 when no agent answers or it refuses (nothing sent)
              -v, --verbose           also report the servers that accepted
              -q, --quiet             no warnings (errors are still reported)
              -h, --help              this text
                  --version           print the version

            With a config, a server with tls: true uses TLS with its ca_file, cert_file, key_file and
            server_name; a nats: entry uses its stream, auth and TLS keys (see docs/nats.md).

            fail2ban-cluster-client resync --help: announce a jail's current bans again.
            fail2ban-cluster-client --build-cds: (re)build the start-up archive lib/client.jsa (the
            .deb does this itself; after unpacking the tarball or changing the JDK, run it once).

            Options take their value as --opt value or --opt=value. Examples:
              fail2ban-cluster-client -c Fail2ban -m "jail=sshd, action=banip, ip=192.0.2.7"
              fail2ban-cluster-client --host=host.example.com -p 1234 -c Fail2ban -m "jail=sshd, action=banip, ip=192.0.2.7"
            """;

    private ClientMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, new ConfigFile(), new Publisher()));
    }

    /** The whole client with its outside world passed in, so tests run it in-process. */
    static int run(String[] args, PrintStream out, PrintStream err, Function<Path, ClusterConfig> loadConfig,
            Publisher publisher) {
        if (args.length > 0 && args[0].equals("resync")) {
            return Resync.run(List.of(args).subList(1, args.length), out, err, loadConfig, publisher,
                    Fail2banBans::client);
        }
        ClientArgs.Request request;
        try {
            request = ClientArgs.parse(args);
        } catch (UsageException e) {
            err.println(NAME + ": " + e.getMessage());
            err.println("Try '" + NAME + " --help' for more information.");
            return EXIT_USAGE;
        }
        if (request instanceof ClientArgs.Help) {
            out.print(USAGE);
            return EXIT_OK;
        }
        if (request instanceof ClientArgs.Version) {
            out.println(NAME + " " + ProductVersion.current());
            return EXIT_OK;
        }
        ClientArgs.Publish publish = (ClientArgs.Publish) request;

        Command.Announce announce;
        try {
            announce = new Command.Announce(publish.channel(), publish.message());
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": refused, nothing sent: " + e.getMessage());
            return EXIT_USAGE;
        }

        if (!publish.quiet() && publish.message().indexOf('=') < 0) {
            // the original accepted any text, so it is still sent; but no action can take a value from it
            err.println(NAME + ": warning: the message has no key=value pair, so no action can use it"
                    + " (e.g. -m \"jail=sshd, action=banip, ip=192.0.2.7\"); sending it anyway");
        }

        if (publish.agent() != null) {
            Optional<String> refused = AgentHandOver.publish(publish.agent(), publish.channel(), publish.message(),
                    publish.timeout());
            if (refused.isPresent()) {
                err.println(NAME + ": " + refused.get() + "; nothing sent");
                return EXIT_FAILED;
            }
            if (publish.verbose()) {
                err.println(NAME + ": handed to the agent on " + publish.agent());
            }
            return EXIT_OK;
        }

        List<Target> targets;
        List<NatsServerConfig> natsTargets = List.of();
        ClusterConfig config = null;
        if (publish.target() != null) {
            targets = List.of(publish.target());
        } else if (publish.nats() != null) {
            targets = List.of();
            natsTargets = List.of(publish.nats());
        } else {
            try {
                config = loadConfig.apply(publish.config());
            } catch (ConfigException e) {
                err.println(NAME + ": " + e.getMessage());
                return EXIT_USAGE;
            }
            targets = ConfigTargets.forChannel(config, publish.channel());
            natsTargets = ConfigTargets.natsForChannel(config, publish.channel());
            if (targets.isEmpty() && natsTargets.isEmpty()) {
                err.println(NAME + ": no server in " + publish.config() + " has a channel named "
                        + Wire.quote(publish.channel()) + channelHint(config) + "; nothing sent");
                return EXIT_USAGE;
            }
        }

        try {
            SigningKey key = signingKey(publish, config);
            if (key != null) {
                announce = new Command.Announce(publish.channel(), key.signature().append(publish.channel(),
                        publish.message(), Instant.now().getEpochSecond(), MessageSignature.newNonce(new SecureRandom())));
            }
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": refused, nothing sent: cannot sign: " + e.getMessage());
            return EXIT_USAGE;
        }

        // the NATS clusters publish on their own threads meanwhile; jnats is loaded only when there is one
        NatsPublisher.Pending nats = natsTargets.isEmpty() ? null
                : NatsPublisher.start(natsTargets, announce.channel().toString(), announce.message(), publish.timeout());
        int status = EXIT_OK;
        if (!targets.isEmpty()) {
            for (PublishResult result : publisher.publish(targets, announce, publish.timeout())) {
                status = Math.max(status, report(result.accepted(), result.toString(),
                        result.target() + ": accepted in " + Deadlines.format(result.elapsed()), publish.verbose(), err));
            }
        }
        if (nats != null) {
            for (NatsPublishResult result : nats.await()) {
                status = Math.max(status, report(result.accepted(), result.toString(),
                        result + " in " + Deadlines.format(result.elapsed()), publish.verbose(), err));
            }
        }
        return status;
    }

    /** A failed target's line always, an accepted one's with -v; the exit status this result asks for. */
    private static int report(boolean accepted, String failure, String success, boolean verbose, PrintStream err) {
        if (!accepted) {
            err.println(NAME + ": " + failure);
            return EXIT_FAILED;
        }
        if (verbose) {
            err.println(NAME + ": " + success);
        }
        return EXIT_OK;
    }

    /** {@code --secret-file}, else the channel's first key in the config, else null (unsigned). */
    private static SigningKey signingKey(ClientArgs.Publish publish, ClusterConfig config) {
        if (publish.secretFile() != null) {
            return SigningKey.read(publish.secretFile());
        }
        if (config == null) {
            return null;
        }
        for (ServerConfig server : config.serversWithChannel(publish.channel())) {
            List<SigningKey> secrets = server.channel(publish.channel()).orElseThrow().secrets();
            if (!secrets.isEmpty()) {
                return secrets.get(0);
            }
        }
        for (NatsServerConfig server : config.natsServersWithChannel(publish.channel())) {
            List<SigningKey> secrets = server.channel(publish.channel()).orElseThrow().secrets();
            if (!secrets.isEmpty()) {
                return secrets.get(0);
            }
        }
        return null;
    }

    private static String channelHint(ClusterConfig config) {
        var names = ConfigTargets.channelNames(config);
        return names.isEmpty() ? " (it has no channels)" : " (it has: " + String.join(", ", names) + ")";
    }


    /**
     * Reads the config with {@link ConfigLoader}. A class rather than {@code ConfigLoader::load}, so that
     * neither the loader nor snakeyaml is loaded (or a lambda bootstrapped) when {@code --host} needs no
     * config: every millisecond of start-up is ban latency.
     */
    static final class ConfigFile implements Function<Path, ClusterConfig> {
        @Override
        public ClusterConfig apply(Path path) {
            return ConfigLoader.load(path);
        }
    }
}
