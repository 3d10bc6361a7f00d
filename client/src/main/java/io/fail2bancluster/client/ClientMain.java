package io.fail2bancluster.client;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigLoader;
import io.fail2bancluster.util.ProductVersion;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * {@code fail2ban-cluster-client}: announces one message on one channel to every server that carries it
 * ({@link PublishCommand}), or announces a jail's bans again ({@link Resync}), and exits with an honest
 * status. This class only dispatches. fail2ban runs it synchronously on every ban, so its
 * start-up is part of ban latency: no event loop, no logging framework, errors go straight to stderr.
 *
 * <p>Exit status: 0 every target accepted the announce; 1 at least one did not (one line per failed
 * target on stderr); 2 nothing was sent: a malformed command line (with a pointer to --help), a channel or
 * message the protocol cannot carry or the receivers would drop, an unreadable or invalid config, or no
 * configured server that carries the channel.
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
            line per failed server on stderr), 2 when nothing was sent (bad arguments or config, or
            a message the receivers would drop: a line past max_line, more pairs than max_pairs, a
            value past max_value_length, from the config or their defaults 65536, 32 and 1024).
            A publish that every server accepted prints nothing, as fail2ban logs what an action
            prints on stderr; -v reports each server that accepted.

              -c, --channel CHANNEL   channel to announce on (no space, '!', CR, LF). Here -c is
                                      --channel, as in the original client; fail2ban-clusterd's -c
                                      is its --config
              -m, --message MESSAGE   e.g. "jail=sshd, action=banip, ip=192.0.2.7" (no CR, LF, NUL)
                  --config FILE       servers to announce to (default /etc/fail2ban-cluster.yml);
                                      it has no short form here
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
                                      socket: the agent's default for this user, root's
                                      /run/fail2ban-cluster/control.sock or another user's XDG one):
                                      it keeps it on disk and delivers it to its servers until each
                                      has it; exit 0 once it has it, 1 when no agent answers or it
                                      refuses (nothing sent)
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
        System.exit(run(args, System.out, System.err));
    }

    /** The client as {@link #main} runs it, printing to {@code out} and {@code err}: for the AppCDS training. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, new ConfigFile(), new Publisher());
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
        return PublishCommand.run((ClientArgs.Publish) request, err, loadConfig, publisher);
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
