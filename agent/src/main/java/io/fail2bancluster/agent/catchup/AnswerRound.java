package io.fail2bancluster.agent.catchup;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * One round of answers on one channel, as a host that answers sees it: the requests it joins (the earliest
 * {@code since} asked, whether one starts afresh), and the origins someone else announces again in it. On the loop.
 */
final class AnswerRound {
    final String channel;
    /** When the first request of the round arrived (loop nanos): an answer seen since reached its requesters. */
    final long openedNanos;
    Instant since;
    /**
     * When the last request of the round came, on this host's clock: a change after it reached every requester
     * live (each subscribed before it asked, and the server relays in order), so it is not answered.
     */
    Instant asked;
    boolean fresh;
    final Set<String> requesters = new HashSet<>();
    /** Origins another host announces again in this round: it answers for them, so this one does not. */
    final Set<String> covered = new HashSet<>();
    boolean answered;

    AnswerRound(String channel, Instant since, long openedNanos) {
        this.channel = channel;
        this.since = since;
        this.openedNanos = openedNanos;
    }

    /** {@code requester} asks for what came since {@code since}; its request reached this host at {@code now}. */
    void join(String requester, Instant since, Instant now) {
        if (since.isBefore(this.since)) {
            this.since = since;
        }
        fresh |= since.equals(Instant.EPOCH);
        requesters.add(requester);
        asked = now;
    }
}
