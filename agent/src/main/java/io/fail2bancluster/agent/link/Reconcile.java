package io.fail2bancluster.agent.link;

import java.util.ArrayList;
import java.util.List;

/**
 * How a reloaded list of server entries relates to the running one, whatever their transport. Entries are
 * matched by {@link LinkEntry#identity()}: a wanted entry with the identity of a running one keeps that one's
 * link (connection, counters, stream position) and takes the new channels from the next message on; a new
 * identity gets a new link; a running link with no match is stopped. Changing what makes a connection (a
 * port, TLS, a NATS entry's URLs or stream) is therefore a stop and a start. Two entries with the same
 * identity match in file order. The start is a reconcile from no entries.
 *
 * @param from    per wanted entry, the index of the running entry it keeps, or {@link #ADDED}
 * @param removed indexes into the running list of the entries to stop
 * @param lines   what happens to the entries, one line each: added, kept with what changed, removed
 */
public record Reconcile(List<Integer> from, List<Integer> removed, List<String> lines) {
    /** In {@link #from}: a new entry. */
    public static final int ADDED = -1;

    public Reconcile {
        from = List.copyOf(from);
        removed = List.copyOf(removed);
        lines = List.copyOf(lines);
    }

    public static Reconcile between(List<? extends LinkEntry> running, List<? extends LinkEntry> wanted) {
        boolean[] matched = new boolean[running.size()];
        List<Integer> from = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (LinkEntry entry : wanted) {
            int index = firstUnmatched(running, matched, entry.identity());
            from.add(index);
            if (index == ADDED) {
                lines.add("added " + entry.address() + " (" + entry.path() + "), " + entry.taking());
                continue;
            }
            matched[index] = true;
            List<String> changes = entry.changesSince(running.get(index));
            if (!changes.isEmpty()) {
                lines.add("kept " + entry.address() + ": " + String.join(", ", changes));
            }
        }
        List<Integer> removed = new ArrayList<>();
        for (int i = 0; i < matched.length; i++) {
            if (!matched[i]) {
                removed.add(i);
                lines.add("removed " + running.get(i).address() + " (was " + running.get(i).path() + ")");
            }
        }
        return new Reconcile(from, removed, lines);
    }

    private static int firstUnmatched(List<? extends LinkEntry> running, boolean[] matched, Object identity) {
        for (int i = 0; i < running.size(); i++) {
            if (!matched[i] && running.get(i).identity().equals(identity)) {
                return i;
            }
        }
        return ADDED;
    }

    /** How many running links are kept. */
    public long kept() {
        return from.stream().filter(index -> index != ADDED).count();
    }

    /** The {@link #lines} and a count, for the log and the {@code reload} reply. */
    public List<String> describe() {
        List<String> all = new ArrayList<>(lines);
        all.add(kept() + " server(s) kept their connection, " + (from.size() - kept()) + " added, " + removed.size()
                + " removed");
        return all;
    }
}
