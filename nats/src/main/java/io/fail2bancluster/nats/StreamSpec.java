package io.fail2bancluster.nats;

import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The stream a NATS server entry asks for: the latest message per subject ({@code max_msgs_per_subject 1}),
 * each kept {@code retention} at most ({@code max_age}), on disk.
 *
 * @param name      the stream, also the first subject token (see {@link BanSubjects})
 * @param retention max_age
 * @param replicas  when the config says; else {@link #defaultReplicas(int)} of the cluster's size
 */
public record StreamSpec(String name, Duration retention, OptionalInt replicas) {
    /** How long a retried publish is still recognised as the same one (see {@link MessageIds}). */
    static final Duration MAX_DUPLICATE_WINDOW = Duration.ofMinutes(2);

    /** 3 on a JetStream cluster of 3 or more servers (a node may fail), else 1. */
    public static int defaultReplicas(int clusterSize) {
        return clusterSize >= 3 ? 3 : 1;
    }

    /** The window JetStream dedupes message ids in: 2 minutes, or the retention when that is shorter. */
    public Duration duplicateWindow() {
        return retention.compareTo(MAX_DUPLICATE_WINDOW) < 0 ? retention : MAX_DUPLICATE_WINDOW;
    }

    StreamConfiguration configuration(int replicas) {
        return StreamConfiguration.builder()
                .name(name)
                .subjects(BanSubjects.streamSubjects(name))
                .storageType(StorageType.File)
                .maxMessagesPerSubject(1)
                .maxAge(retention)
                .discardPolicy(DiscardPolicy.Old)
                .duplicateWindow(duplicateWindow())
                .replicas(replicas)
                .build();
    }

    /**
     * What in an existing stream contradicts this spec, one phrase each; empty when the stream will do.
     * Only what the catch-up depends on is compared: the subjects, one message per subject, the max age
     * and, when the config names them, the replicas.
     */
    List<String> conflicts(StreamConfiguration existing) {
        List<String> conflicts = new ArrayList<>();
        String subjects = BanSubjects.streamSubjects(name);
        if (!existing.getSubjects().contains(subjects)) {
            conflicts.add("subjects " + existing.getSubjects() + " do not include " + subjects);
        }
        if (existing.getMaxMsgsPerSubject() != 1) {
            conflicts.add("max_msgs_per_subject is " + existing.getMaxMsgsPerSubject()
                    + ", needs 1 (the latest message per ban key)");
        }
        if (!existing.getMaxAge().equals(retention)) {
            conflicts.add("max_age is " + seconds(existing.getMaxAge()) + ", the config's retention is "
                    + seconds(retention));
        }
        if (replicas.isPresent() && existing.getReplicas() != replicas.getAsInt()) {
            conflicts.add("replicas is " + existing.getReplicas() + ", the config says " + replicas.getAsInt());
        }
        return conflicts;
    }

    private static String seconds(Duration duration) {
        return duration.isZero() ? "unlimited" : duration.toSeconds() + " s";
    }
}
