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
import java.util.function.Function;

/**
 * {@code fail2ban-cluster-client [publish] -c CHANNEL -m MESSAGE}: checks the announce, resolves its
 * {@link Route} (the one destination the command line names, or the config's), signs it and holds it to the
 * receivers' limits, publishes it to every destination at once and reports each that failed.
 */
final class PublishCommand {
    private PublishCommand() {
    }

    static int run(ClientArgs.Publish publish, PrintStream err, Function<Path, ClusterConfig> loadConfig,
            Publisher publisher) {
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

        SigningKey key;
        try {
            key = publish.secretFile() == null ? null : SigningKey.read(publish.secretFile());
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": refused, nothing sent: cannot sign: " + e.getMessage());
            return EXIT_USAGE;
        }
        Route route;
        try {
            Destination named = publish.destination();
            route = named != null ? Route.to(named, key)
                    : Route.fromConfig(loadConfig, publish.config(), publish.channel(), key);
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": " + e.getMessage());
            return EXIT_USAGE;
        }

        Command.Announce outgoing;
        try {
            outgoing = OutgoingAnnounce.prepare(announce, route.key(), route.limits(), route.destinations());
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": refused, nothing sent: " + e.getMessage());
            return EXIT_USAGE;
        }

        int status = EXIT_OK;
        for (PublishResult result : publisher.publish(route.destinations(), outgoing, publish.timeout())) {
            if (!result.accepted()) {
                err.println(NAME + ": " + result);
                status = EXIT_FAILED;
            } else if (publish.verbose()) {
                err.println(NAME + ": " + result + " in " + Deadline.format(result.elapsed()));
            }
        }
        return status;
    }
}
