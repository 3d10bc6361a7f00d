package io.fail2bancluster.agent.status;

import java.time.Instant;
import java.util.Optional;

/**
 * What {@code status} and the metrics page show of the outbox.
 *
 * @param depth       entries waiting for at least one server
 * @param max         {@code outbox_max}: past it a publish is refused
 * @param oldest      when the oldest waiting entry was handed over; empty when none waits
 * @param accepted    publishes taken (on disk) since start
 * @param refusedFull publishes refused since start because {@code max} entries waited
 * @param delivered   entries every server carrying their channel confirmed, since start
 */
public record OutboxStatus(int depth, int max, Optional<Instant> oldest, long accepted, long refusedFull,
                           long delivered) {
}
