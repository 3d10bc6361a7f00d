package io.fail2bancluster.client;

import static io.fail2bancluster.client.ClientMain.EXIT_FAILED;
import static io.fail2bancluster.client.ClientMain.EXIT_OK;
import static io.fail2bancluster.client.ClientMain.EXIT_USAGE;
import static io.fail2bancluster.client.ClientMain.NAME;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.SigningKey;
import io.fail2bancluster.protocol.Command;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code fail2ban-cluster-client [publish] -c CHANNEL -m MESSAGE}: checks the announce, resolves its
 * {@link Route} (the one destination the command line names, or the config's), signs it and holds it to the
 * receivers' limits, publishes it to every destination at once and reports each that failed. {@code ban},
 * {@code unban} and {@code import} publish through the same steps ({@link #prepare}, {@link #report}), so they
 * have the same targets, confirmation and exit statuses.
 */
final class PublishCommand {
    private PublishCommand() {
    }

    /** What is ready to send: where, and the announces as they go (signed, within the receivers' limits). */
    record Prepared(Route route, List<Command.Announce> announces) {
    }

    static int run(ClientArgs.Publish publish, PrintStream err, Function<Path, ClusterConfig> loadConfig,
            Publisher publisher) {
        try {
            new Command.Announce(publish.channel(), publish.message());
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": refused, nothing sent: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (!publish.quiet() && publish.message().indexOf('=') < 0) {
            // the original accepted any text, so it is still sent; but no action can take a value from it
            err.println(NAME + ": warning: the message has no key=value pair, so no action can use it"
                    + " (e.g. -m \"jail=sshd, action=banip, ip=192.0.2.7\"); sending it anyway");
        }
        Prepared prepared = prepare(publish, List.of(publish.message()), err, loadConfig);
        if (prepared == null) {
            return EXIT_USAGE;
        }
        return report(publisher.publish(prepared.route().destinations(), prepared.announces().get(0),
                publish.timeout()), publish.verbose(), err);
    }

    /**
     * The announces of {@code messages} on the command line's channel, ready for the command line's route.
     *
     * @return null when nothing can be sent; the reason is on {@code err} then (exit 2)
     */
    static Prepared prepare(ClientArgs.Publish publish, List<String> messages, PrintStream err,
            Function<Path, ClusterConfig> loadConfig) {
        List<Command.Announce> announces = new ArrayList<>(messages.size());
        try {
            for (String message : messages) {
                announces.add(new Command.Announce(publish.channel(), message));
            }
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": refused, nothing sent: " + e.getMessage());
            return null;
        }
        SigningKey key;
        try {
            key = publish.secretFile() == null ? null : SigningKey.read(publish.secretFile());
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": refused, nothing sent: cannot sign: " + e.getMessage());
            return null;
        }
        Route route;
        try {
            Destination named = publish.destination();
            route = named != null ? Route.to(named, key)
                    : Route.fromConfig(loadConfig, publish.config(), publish.channel(), key);
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": " + e.getMessage());
            return null;
        }
        List<Command.Announce> outgoing = new ArrayList<>(announces.size());
        try {
            for (Command.Announce announce : announces) {
                outgoing.add(OutgoingAnnounce.prepare(announce, route.key(), route.limits(), route.destinations()));
            }
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": refused, nothing sent: " + e.getMessage());
            return null;
        }
        return new Prepared(route, outgoing);
    }

    /** One line per destination that failed (and with {@code verbose} per one that accepted): exit 0 or 1. */
    static int report(List<PublishResult> results, boolean verbose, PrintStream err) {
        int status = EXIT_OK;
        for (PublishResult result : results) {
            if (!result.accepted()) {
                err.println(NAME + ": " + result);
                status = EXIT_FAILED;
            } else if (verbose) {
                err.println(NAME + ": " + result + " in " + Deadline.format(result.elapsed()));
            }
        }
        return status;
    }
}
