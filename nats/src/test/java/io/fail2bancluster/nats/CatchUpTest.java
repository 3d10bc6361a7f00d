package io.fail2bancluster.nats;

import static io.fail2bancluster.nats.CatchUp.Verdict.RUN_BAN_IN_FORCE;
import static io.fail2bancluster.nats.CatchUp.Verdict.RUN_OTHER_MESSAGE;
import static io.fail2bancluster.nats.CatchUp.Verdict.RUN_UNBAN_OF_A_BAN_PROCESSED_HERE;
import static io.fail2bancluster.nats.CatchUp.Verdict.SKIP_ALREADY_PROCESSED;
import static io.fail2bancluster.nats.CatchUp.Verdict.SKIP_BAN_EXPIRED;
import static io.fail2bancluster.nats.CatchUp.Verdict.SKIP_OTHER_MESSAGE_ON_A_HOST_WITHOUT_STATE;
import static io.fail2bancluster.nats.CatchUp.Verdict.SKIP_UNBAN_OF_A_BAN_NEVER_RUN_HERE;
import static io.fail2bancluster.nats.CatchUp.Verdict.SKIP_UNBAN_ON_A_HOST_WITHOUT_STATE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fail2bancluster.protocol.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The catch-up decision against a model of the stream: a log of publishes reduced to the latest message per
 * ban key, replayed from the host's position, as JetStream with max_msgs_per_subject 1 would.
 */
class CatchUpTest {
    /** A message the stream stored at T0 on channel Fail2ban, replacing nothing the publisher named. */
    private static StoredMessage stored(long sequence, String message) {
        return new StoredMessage(sequence, T0, "Fail2ban", message, OptionalLong.empty());
    }

    private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");

    /** The stream: sequence -> message, the latest per (jail, ip) only. */
    private final Map<Long, StoredMessage> stream = new TreeMap<>();
    private final Map<String, Long> latestByKey = new TreeMap<>();
    private long sequence;

    private long publish(Instant at, String message) {
        sequence++;
        String key = key(message);
        Long replaced = latestByKey.put(key, sequence);
        if (replaced != null) {
            stream.remove(replaced);
        }
        stream.put(sequence, new StoredMessage(sequence, at, "Fail2ban", message,
                replaced == null ? OptionalLong.empty() : OptionalLong.of(replaced)));
        return sequence;
    }

    private static String key(String message) {
        var parsed = Message.parse(message);
        return parsed.get("jail") != null && parsed.get("ip") != null
                ? parsed.get("jail") + "/" + parsed.get("ip") : message;
    }

    /** What the agent would be delivered when it resumes after {@code position} (everything when empty). */
    private List<StoredMessage> replayAfter(OptionalLong position) {
        List<StoredMessage> replay = new ArrayList<>();
        for (StoredMessage m : stream.values()) {
            if (position.isEmpty() || m.sequence() > position.getAsLong()) {
                replay.add(m);
            }
        }
        return replay;
    }

    private List<String> run(Instant now, OptionalLong position) {
        List<String> ran = new ArrayList<>();
        for (CatchUp.Decision d : CatchUp.decide(replayAfter(position), now, position)) {
            if (d.verdict().runs()) {
                ran.add(d.message().message());
            }
        }
        return ran;
    }

    private static String ban(String ip, long bantime) {
        return "jail=sshd, action=banip, ip=" + ip + ", source=a, bantime=" + bantime;
    }

    private static String unban(String ip) {
        return "jail=sshd, action=unbanip, ip=" + ip + ", source=a";
    }

    @Test
    void aHostThatWasDownRunsWhatItMissedInOrderOnce() {
        // before the host went down: it processed these
        publish(T0, ban("192.0.2.1", 3600));           // it banned .1; unbanned while it is down
        publish(T0, ban("192.0.2.2", -1));             // still banned, nothing new
        long position = publish(T0, ban("192.0.2.3", 600));   // banned, expires by itself
        // while it is down
        Instant down = T0.plusSeconds(60);
        publish(down, ban("192.0.2.10", 3600));        // in force: runs
        publish(down, ban("192.0.2.11", 60));          // expired by the time it is back: not run
        publish(down, ban("192.0.2.12", -1));          // permanent: runs
        publish(down, ban("192.0.2.13", 3600));        // banned and unbanned while it is down: neither runs
        publish(down.plusSeconds(1), unban("192.0.2.13"));
        publish(down.plusSeconds(2), unban("192.0.2.1"));    // an address it had banned: the unban runs

        Instant back = T0.plusSeconds(300);
        assertEquals(List.of(ban("192.0.2.10", 3600), ban("192.0.2.12", -1), unban("192.0.2.1")),
                run(back, OptionalLong.of(position)));
    }

    @Test
    void theVerdictsSayWhy() {
        long position = publish(T0, ban("192.0.2.1", 3600));
        publish(T0, ban("192.0.2.11", 60));
        publish(T0, ban("192.0.2.13", 3600));
        publish(T0, unban("192.0.2.13"));
        publish(T0, unban("192.0.2.1"));
        publish(T0, "hello=world");
        List<CatchUp.Verdict> verdicts = new ArrayList<>();
        for (CatchUp.Decision d : CatchUp.decide(replayAfter(OptionalLong.of(position)), T0.plusSeconds(120),
                OptionalLong.of(position))) {
            verdicts.add(d.verdict());
        }
        assertEquals(List.of(SKIP_BAN_EXPIRED, SKIP_UNBAN_OF_A_BAN_NEVER_RUN_HERE, RUN_UNBAN_OF_A_BAN_PROCESSED_HERE,
                RUN_OTHER_MESSAGE), verdicts);
    }

    @Test
    void aHostWithoutStateRunsEveryBanInForceAndNoUnbans() {
        publish(T0, ban("192.0.2.1", 3600));
        publish(T0, ban("192.0.2.2", 10));
        publish(T0, ban("192.0.2.3", -1));
        publish(T0, ban("192.0.2.4", 3600));
        publish(T0, unban("192.0.2.4"));
        publish(T0, "hello=world");

        assertEquals(List.of(ban("192.0.2.1", 3600), ban("192.0.2.3", -1)), run(T0.plusSeconds(60), OptionalLong.empty()));
        List<CatchUp.Verdict> verdicts = CatchUp.decide(replayAfter(OptionalLong.empty()), T0.plusSeconds(60),
                OptionalLong.empty()).stream().map(CatchUp.Decision::verdict).toList();
        assertEquals(List.of(RUN_BAN_IN_FORCE, SKIP_BAN_EXPIRED, RUN_BAN_IN_FORCE, SKIP_UNBAN_ON_A_HOST_WITHOUT_STATE,
                SKIP_OTHER_MESSAGE_ON_A_HOST_WITHOUT_STATE), verdicts);
    }

    @Test
    void aRestartWithNothingNewRunsNothing() {
        publish(T0, ban("192.0.2.1", 3600));
        long position = publish(T0, unban("192.0.2.9"));
        assertEquals(List.of(), run(T0.plusSeconds(1), OptionalLong.of(position)));
    }

    @Test
    void aMessageAtOrBeforeThePositionIsNeverRunAgain() {
        StoredMessage old = stored(5, ban("192.0.2.1", -1));
        assertEquals(SKIP_ALREADY_PROCESSED, CatchUp.verdict(old, T0, OptionalLong.of(5)));
        assertEquals(RUN_BAN_IN_FORCE, CatchUp.verdict(old, T0, OptionalLong.of(4)));
    }

    @Test
    void anUnbanWithoutWordOfWhatItReplacedRunsForAHostWithState() {
        StoredMessage unban = stored(9, unban("192.0.2.1"));
        assertEquals(RUN_UNBAN_OF_A_BAN_PROCESSED_HERE, CatchUp.verdict(unban, T0, OptionalLong.of(3)));
    }

    @Test
    void bantimeCountsFromWhenTheStreamStoredTheBan() {
        StoredMessage ban = stored(1, ban("192.0.2.1", 600));
        assertEquals(RUN_BAN_IN_FORCE, CatchUp.verdict(ban, T0.plus(Duration.ofSeconds(599)), OptionalLong.empty()));
        assertEquals(SKIP_BAN_EXPIRED, CatchUp.verdict(ban, T0.plus(Duration.ofSeconds(600)), OptionalLong.empty()));
        StoredMessage fraction = stored(1, "jail=j, action=banip, ip=1.2.3.4, bantime=0.5");
        assertEquals(SKIP_BAN_EXPIRED, CatchUp.verdict(fraction, T0.plusSeconds(1), OptionalLong.empty()));
        for (String unknown : List.of("jail=j, action=banip, ip=1.2.3.4", "jail=j, action=banip, ip=1.2.3.4, bantime=x",
                "jail=j, action=banip, ip=1.2.3.4, bantime=99999999999999999999")) {
            assertEquals(RUN_BAN_IN_FORCE, CatchUp.verdict(stored(1, unknown),
                    T0.plus(Duration.ofDays(29)), OptionalLong.empty()), unknown);
        }
    }

    @Test
    void aBansEndIsItsBantimeAfterItWasStoredAndNoneWhenItDoesNotEnd() {
        assertEquals(Optional.of(T0.plusSeconds(600)),
                CatchUp.end(Message.parse(ban("192.0.2.1", 600)), T0));
        assertEquals(Optional.of(T0.plusMillis(500)), CatchUp.end(Message.parse(
                "jail=j, action=banip, ip=1.2.3.4, bantime=0.5"), T0));
        for (String endless : List.of("jail=j, action=banip, ip=1.2.3.4, bantime=-1", "jail=j, action=banip, ip=1.2.3.4",
                "jail=j, action=banip, ip=1.2.3.4, bantime=x", "jail=j, action=banip, ip=1.2.3.4, bantime=99999999999999999999")) {
            assertEquals(Optional.empty(), CatchUp.end(Message.parse(endless), T0),
                    endless);
        }
    }
}
