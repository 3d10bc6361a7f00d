package io.fail2bancluster.agent.exec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The actions waiting to run, and which of them run next and together. Used by one thread only (the
 * {@link ProcessActionRunner}'s dispatcher), so it needs no locks.
 *
 * <p>Batching (a channel's {@code batch: N}): invocations whose argv is the same but for the last argument
 * run as one command carrying up to N last arguments, in arrival order, e.g. {@code fail2ban-client set
 * sshd banip A B C}. A batch is only ever what is waiting when a runner becomes free: a lone invocation is
 * taken as it is, never held back for company.
 *
 * <p>Order: for batched invocations the last argument is what the action acts on (the address), and two
 * of them with the same last argument never run at once nor out of arrival order, so a ban and the unban
 * that follows it (two different commands) reach the program in that order even with several runners. An
 * invocation that names its {@link Invocation#orderKey} (the channel and address, for a ban or unban) is held
 * to the same rule by that key, batched or not: a retried ban and its unban are never run at once.
 */
final class RunQueue {

    /** An accepted invocation and whom to tell how it ended. */
    record Pending(Invocation invocation, Consumer<ActionResult> whenDone) {
    }

    /**
     * One process to start.
     *
     * @param items the invocations it carries, in arrival order (one unless batched)
     * @param argv  what runs: the first item's argv, followed by the others' last arguments
     */
    record Run(List<Pending> items, List<String> argv) {
        Run {
            items = List.copyOf(items);
            argv = List.copyOf(argv);
        }
    }

    // a linked list: a batch is taken out of the middle, and waiting is bounded by exec_queue
    private final LinkedList<Pending> waiting = new LinkedList<>();
    /** Last arguments of batched invocations now running, with how many runs hold each. */
    private final Map<String, Integer> running = new HashMap<>();

    void add(Pending pending) {
        waiting.add(pending);
    }

    int size() {
        return waiting.size();
    }

    /** The next run that may start now, or null when nothing waits or everything waiting must wait its turn. */
    Run next() {
        Set<String> passedOver = new HashSet<>();
        Iterator<Pending> it = waiting.iterator();
        Pending head = null;
        while (it.hasNext()) {
            Pending candidate = it.next();
            if (mayStart(candidate, passedOver)) {
                head = candidate;
                it.remove();
                break;
            }
        }
        if (head == null) {
            return null;
        }
        List<Pending> items = new ArrayList<>();
        items.add(head);
        List<String> argv = new ArrayList<>(head.invocation().argv());
        int limit = head.invocation().batch();
        if (limit > 1 && argv.size() >= 2) {
            List<String> prefix = prefix(head);
            while (it.hasNext() && items.size() < limit) {
                Pending candidate = it.next();
                String key = orderKey(candidate);
                if (key != null && batchable(candidate) && prefix.equals(prefix(candidate))
                        && mayStart(candidate, passedOver)) {
                    items.add(candidate);
                    argv.add(lastArgument(candidate));
                    it.remove();
                } else if (key != null) {
                    // left waiting: a later one with the same key (the unban after a ban) must not pass it
                    passedOver.add(key);
                }
            }
        }
        for (Pending item : items) {
            String key = orderKey(item);
            if (key != null) {
                running.merge(key, 1, Integer::sum);
            }
        }
        return new Run(items, argv);
    }

    /** Call when {@code run} (from {@link #next}) has ended, whatever its outcome. */
    void finished(Run run) {
        for (Pending item : run.items()) {
            String key = orderKey(item);
            if (key != null) {
                running.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
            }
        }
    }

    /** Takes out everything still waiting, e.g. to report it as dropped at shutdown. */
    List<Pending> drain() {
        List<Pending> all = new ArrayList<>(waiting);
        waiting.clear();
        return all;
    }

    /**
     * Whether {@code candidate} may start now, skipping nothing it must follow; when it may not, its key
     * joins {@code passedOver}, so that nothing after it with the same key overtakes it.
     */
    private boolean mayStart(Pending candidate, Set<String> passedOver) {
        String key = orderKey(candidate);
        if (key == null) {
            return true;
        }
        if (running.containsKey(key) || passedOver.contains(key)) {
            passedOver.add(key);
            return false;
        }
        return true;
    }

    /**
     * What an invocation acts on, for the order rule: its own {@link Invocation#orderKey}, else the last argument
     * of a batched invocation; null for one held to no order.
     */
    private static String orderKey(Pending pending) {
        if (pending.invocation().orderKey() != null) {
            return pending.invocation().orderKey();
        }
        return batchable(pending) ? lastArgument(pending) : null;
    }

    private static boolean batchable(Pending pending) {
        return pending.invocation().batch() > 1 && pending.invocation().argv().size() >= 2;
    }

    private static String lastArgument(Pending pending) {
        List<String> argv = pending.invocation().argv();
        return argv.get(argv.size() - 1);
    }

    private static List<String> prefix(Pending pending) {
        List<String> argv = pending.invocation().argv();
        return argv.subList(0, argv.size() - 1);
    }
}
