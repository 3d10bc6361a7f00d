package io.fail2bancluster.agent.fanout;

import java.util.List;

/**
 * A reload's change to the subscriptions of a live connection, fired by its {@link ServerLink} as a user event:
 * the session unsubscribes {@code removed} and subscribes {@code added}, and leaves the rest alone. A
 * connection not up yet ignores it: it subscribes the link's channels as they are once it is.
 *
 * @param added   channels subscribed now and not before, in config order
 * @param removed channels subscribed before and not now
 */
record Resubscribe(List<String> added, List<String> removed) {

    Resubscribe {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
    }

    static Resubscribe between(List<String> before, List<String> after) {
        return new Resubscribe(after.stream().filter(c -> !before.contains(c)).toList(),
                before.stream().filter(c -> !after.contains(c)).toList());
    }

    boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty();
    }
}
