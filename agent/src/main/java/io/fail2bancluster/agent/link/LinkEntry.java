package io.fail2bancluster.agent.link;

import io.fail2bancluster.config.ChannelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * One server entry of a config, as a reload compares it with the running one ({@link Reconcile}): what
 * makes its connection what it is, and how to name what a reload does to it.
 */
public interface LinkEntry {

    /**
     * What makes the connection what it is (where it goes, how it is secured and kept alive). A running link
     * whose entry has an equal identity is kept, with its connection and counters; channels are not part of it.
     */
    Object identity();

    /** How status, logs and the outbox name it: {@code host:port}, {@code nats:STREAM@host:port,...}. */
    String address();

    /** Where it stands in the file, e.g. {@code servers[0]}. */
    String path();

    /** Its channels, as configured. */
    List<ChannelConfig> channels();

    /** What an added entry takes on, after {@code added ADDRESS (PATH), }: e.g. {@code subscribing to [Fail2ban]}. */
    String taking();

    /** What changed since {@code before} (an entry of the same identity), each part of a {@code kept} line; empty when nothing did. */
    List<String> changesSince(LinkEntry before);

    /** The names of {@code channels}, in order. */
    static List<String> names(List<ChannelConfig> channels) {
        return channels.stream().map(ChannelConfig::name).toList();
    }

    /**
     * The channels subscribed before and after whose handling changed, each with what changed:
     * {@code changed Fail2ban (filter, keys)}. These keep their subscription, so without this a reload that
     * changed only a filter would look as if it had done nothing.
     */
    static List<String> changedChannels(List<ChannelConfig> before, List<ChannelConfig> after) {
        List<String> changed = new ArrayList<>();
        for (ChannelConfig now : after) {
            for (ChannelConfig was : before) {
                if (!was.name().equals(now.name()) || !now.acts() || !was.acts()) {
                    continue; // not subscribed before or after: the subscription lists tell
                }
                List<String> what = was.changesIn(now);
                if (!what.isEmpty()) {
                    changed.add("changed " + now.name() + " (" + String.join(", ", what) + ")");
                }
            }
        }
        return changed;
    }
}
