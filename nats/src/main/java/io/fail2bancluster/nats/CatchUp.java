package io.fail2bancluster.nats;

import io.fail2bancluster.protocol.Message;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a host that was away runs of what the stream replays to it. The stream keeps only the latest message
 * per ban key, and the agent asks for everything after the last position it processed (or, without state,
 * everything), so each key appears at most once, holding what is true of it now:
 *
 * <ul>
 * <li>a <b>ban</b> ({@code action=banip}) runs while it is in force: its {@code bantime} (seconds, negative
 *     for permanent) counted from when the stream stored it has not run out. A ban without a readable
 *     {@code bantime} counts as in force (it came from a publisher that does not say; the stream's
 *     retention still bounds it). A ban that has run out is not run: fail2ban would lift it at once.
 * <li>an <b>unban</b> ({@code action=unbanip}) runs only for a host with state, whose ban it may be
 *     undoing: the ban it replaced was processed here if it stood at or before our position. When the
 *     publisher said which message it replaced ({@link StoredMessage#replacedSequence()}) and that came
 *     after our position, the ban was never run here and neither is its unban. Without that word the unban
 *     runs: lifting a ban that is not there is harmless, leaving one in place is not.
 * <li>a ban that was unbanned since is not in the replay at all (its unban replaced it), nor is a ban
 *     already processed (it stands at or before our position).
 * <li>a host without state (new, or its state_dir wiped) runs every ban in force and nothing else: it
 *     has banned nothing that an unban could lift.
 * <li>anything else (no {@code action} of those two) runs for a host with state, as a live message would,
 *     and not for a host without one, which cannot know whether it still means anything.
 * </ul>
 * A restart with nothing new replays nothing and so runs nothing. Pure: the caller brings the clock.
 */
public final class CatchUp {
    static final String BAN = "banip";
    static final String UNBAN = "unbanip";
    /** A thousand years: past it a bantime is as good as permanent, and no Instant arithmetic overflows. */
    static final long MAX_BANTIME_SECONDS = 1000L * 366 * 24 * 3600;

    private CatchUp() {
    }

    /** Why a replayed message runs or not, for the log and the counters. */
    public enum Verdict {
        RUN_BAN_IN_FORCE(true),
        RUN_UNBAN_OF_A_BAN_PROCESSED_HERE(true),
        RUN_OTHER_MESSAGE(true),
        SKIP_ALREADY_PROCESSED(false),
        SKIP_BAN_EXPIRED(false),
        SKIP_UNBAN_ON_A_HOST_WITHOUT_STATE(false),
        SKIP_UNBAN_OF_A_BAN_NEVER_RUN_HERE(false),
        SKIP_OTHER_MESSAGE_ON_A_HOST_WITHOUT_STATE(false);

        private final boolean runs;

        Verdict(boolean runs) {
            this.runs = runs;
        }

        public boolean runs() {
            return runs;
        }
    }

    /** One replayed message and what becomes of it. */
    public record Decision(StoredMessage message, Verdict verdict) {
    }

    /**
     * @param replayed      what the stream delivered from the start position, in stream order
     * @param now           the current time
     * @param lastProcessed the position this host processed last; empty for a host without state
     * @return one decision per replayed message, in the same order (the order to run them in)
     */
    public static List<Decision> decide(List<StoredMessage> replayed, Instant now, OptionalLong lastProcessed) {
        List<Decision> decisions = new ArrayList<>(replayed.size());
        for (StoredMessage stored : replayed) {
            decisions.add(new Decision(stored, verdict(stored, now, lastProcessed)));
        }
        return decisions;
    }

    /** The decision for one message, from its text (for a caller that has not parsed it). */
    public static Verdict verdict(StoredMessage stored, Instant now, OptionalLong lastProcessed) {
        return verdict(stored, Message.parse(stored.message()), now, lastProcessed);
    }

    /**
     * The decision for one message, read from {@code message}: the stored text as the message path parsed it
     * (the link parses it once, for this and for the path).
     */
    public static Verdict verdict(StoredMessage stored, Message message, Instant now, OptionalLong lastProcessed) {
        boolean hasState = lastProcessed.isPresent();
        if (hasState && stored.sequence() <= lastProcessed.getAsLong()) {
            return Verdict.SKIP_ALREADY_PROCESSED;
        }
        String action = message.get("action");
        if (BAN.equals(action)) {
            return inForce(message, stored.stored(), now) ? Verdict.RUN_BAN_IN_FORCE : Verdict.SKIP_BAN_EXPIRED;
        }
        if (UNBAN.equals(action)) {
            if (!hasState) {
                return Verdict.SKIP_UNBAN_ON_A_HOST_WITHOUT_STATE;
            }
            OptionalLong replaced = stored.replacedSequence();
            if (replaced.isPresent() && replaced.getAsLong() > lastProcessed.getAsLong()) {
                return Verdict.SKIP_UNBAN_OF_A_BAN_NEVER_RUN_HERE;
            }
            return Verdict.RUN_UNBAN_OF_A_BAN_PROCESSED_HERE;
        }
        return hasState ? Verdict.RUN_OTHER_MESSAGE : Verdict.SKIP_OTHER_MESSAGE_ON_A_HOST_WITHOUT_STATE;
    }

    /** Whether a ban stored at {@code stored} with the message's {@code bantime} still holds at {@code now}. */
    static boolean inForce(Message ban, Instant stored, Instant now) {
        return end(ban, stored).map(end -> end.isAfter(now)).orElse(true);
    }

    /**
     * When a ban stored at {@code stored} ends by its {@code bantime}: empty when it does not (fail2ban's
     * {@code -1}, a bantime longer than any clock runs) or does not say (no readable {@code bantime}: in force
     * as long as the stream keeps it). What {@code fail2ban-cluster-client bans} shows as "until".
     */
    public static Optional<Instant> end(Message ban, Instant stored) {
        String text = ban.get("bantime");
        if (text == null) {
            return Optional.empty();
        }
        BigDecimal seconds;
        try {
            seconds = new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (seconds.signum() < 0 || seconds.compareTo(BigDecimal.valueOf(MAX_BANTIME_SECONDS)) > 0) {
            return Optional.empty(); // fail2ban's -1, or longer than any clock will run
        }
        Duration bantime = Duration.ofMillis(seconds.movePointRight(3).setScale(0, RoundingMode.HALF_UP).longValueExact());
        return Optional.of(stored.plus(bantime));
    }
}
