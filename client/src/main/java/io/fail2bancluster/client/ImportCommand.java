package io.fail2bancluster.client;

import static io.fail2bancluster.client.ClientMain.EXIT_OK;
import static io.fail2bancluster.client.ClientMain.EXIT_USAGE;
import static io.fail2bancluster.client.ClientMain.NAME;

import io.fail2bancluster.config.AddressRange;
import io.fail2bancluster.config.ClusterConfig;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * {@code import FILE|- [--jail J] [--duration D]}: a blocklist banned on every host. The whole list is read and
 * checked first ({@link BlockList}; a bad line: exit 2 naming FILE:LINE, nothing sent), then every entry is
 * published as {@code ban} publishes one, all at once: pipelined over one connection per fanout server,
 * asynchronous with a bounded number unacknowledged per NATS cluster ({@link Destination#publishAll}). Exit
 * statuses as for {@code publish}.
 */
final class ImportCommand {
    /** The deadline of a whole import unless --timeout says: a blocklist is not a ban fail2ban waits for. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    static final String USAGE = """
            Usage: fail2ban-cluster-client import FILE|- [--jail JAIL] [--duration D] [publish options]

            Bans every address or CIDR block listed in FILE (- reads standard input) on every host:
            one per line, '#' starts a comment, blank lines are ignored, an address listed twice is
            sent once. The whole list is checked first: a bad line is an error naming FILE:LINE, and
            nothing is sent (exit 2). Then each entry is published as ban publishes one, all at once:
            pipelined over one connection per fanout server (confirmed by one ping at the end), and
            asynchronously to NATS (each acknowledged). On a terminal a progress line shows.
            Exit 0 when every server accepted every entry, 1 when any did not, 2 when nothing was sent.

                  --jail JAIL         default sshd (see ban --help)
                  --duration D        600, 10m, 4h, 7d, 2w or permanent (default 4h)
                  --timeout SECONDS   for the whole import (default 120)
              -c, --channel CHANNEL   default Fail2ban
                  --config FILE, --host HOST [-p PORT] [--tls ...], --nats URL,..., --agent[=SOCKET],
                  --secret-file FILE, -v, -q: as for publish (see --help)

            Example:
              fail2ban-cluster-client import /etc/blocklists/spamhaus-drop.txt --duration 1d
            """;

    private ImportCommand() {
    }

    static int run(List<String> args, InputStream stdin, PrintStream out, PrintStream err,
            Function<Path, ClusterConfig> loadConfig, Publisher publisher, boolean terminal) {
        ClientArgs.Publish publish;
        String file;
        String jail;
        long bantime;
        try {
            SubcommandArgs parsed = SubcommandArgs.parse(args, Set.of("--jail", "--duration"), Set.of(), true);
            if (parsed.has("--help")) {
                out.print(USAGE);
                return EXIT_OK;
            }
            file = parsed.single("FILE");
            jail = ManualBan.jail(parsed.value("--jail", ManualBan.DEFAULT_JAIL));
            bantime = ManualBan.bantime(parsed.value("--duration", ManualBan.DEFAULT_DURATION));
            publish = (ClientArgs.Publish) ClientArgs.parse(parsed.publishArgs());
            if (!parsed.passes("--timeout")) {
                publish = publish.withTimeout(DEFAULT_TIMEOUT);
            }
        } catch (UsageException | IllegalArgumentException e) {
            return BanCommand.usage("import", e.getMessage(), err);
        }
        BlockList list;
        try {
            list = BlockList.read(file, stdin);
        } catch (BlockList.BadLine e) {
            err.println(NAME + " import: " + e.getMessage() + "; nothing sent");
            return EXIT_USAGE;
        }
        if (list.entries().isEmpty()) {
            err.println(NAME + " import: " + list.name() + " lists no address; nothing sent");
            return EXIT_USAGE;
        }
        BanCommand.Sender sender = BanCommand.Sender.of(publish, loadConfig, err);
        if (sender == null) {
            return EXIT_USAGE;
        }
        List<String> messages = new ArrayList<>(list.entries().size());
        for (AddressRange address : list.entries()) {
            messages.add(ManualBan.banMessage(jail, address, sender.source(), bantime, null));
        }
        PublishCommand.Prepared prepared = PublishCommand.prepare(publish, messages, err, sender.loadConfig());
        if (prepared == null) {
            return EXIT_USAGE;
        }

        List<Destination> destinations = prepared.route().destinations();
        LongAdder sent = new LongAdder();
        long start = System.nanoTime();
        List<PublishResult> results;
        try (ProgressLine progress = ProgressLine.start(terminal, err, sent,
                (long) messages.size() * destinations.size(), NAME + " import")) {
            results = publisher.publishAll(destinations, prepared.announces(), sent, publish.timeout());
        }
        int status = PublishCommand.report(results, publish.verbose(), err);
        long accepted = results.stream().filter(PublishResult::accepted).count();
        out.println(NAME + " import: " + messages.size() + " ban(s) from " + list.name()
                + (list.repeats() > 0 ? " (" + list.repeats() + " repeated line(s) left out)" : "")
                + ", jail " + jail + ", " + (bantime < 0 ? "permanent" : "bantime " + bantime + " s") + ": accepted by "
                + accepted + " of " + destinations.size() + " server(s) in "
                + Deadline.format(Duration.ofNanos(System.nanoTime() - start)));
        return status;
    }
}
