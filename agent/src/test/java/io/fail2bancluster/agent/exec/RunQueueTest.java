package io.fail2bancluster.agent.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which waiting invocations run next, and together; no processes. */
class RunQueueTest {
    private final RunQueue queue = new RunQueue();

    private static RunQueue.Pending pending(int batch, String... argv) {
        return new RunQueue.Pending(new Invocation(List.of(argv), "fanout:1986", "Fail2ban", String.join(" ", argv), batch),
                result -> { });
    }

    private void add(int batch, String... argv) {
        queue.add(pending(batch, argv));
    }

    private static RunQueue.Pending keyed(String key, String... argv) {
        return new RunQueue.Pending(new Invocation(List.of(argv), "fanout:1986", "Fail2ban", String.join(" ", argv), 1,
                key), result -> { });
    }

    @Test
    void invocationsWithTheSameOrderKeyNeverRunAtOnceNorOutOfOrderBatchedOrNot() {
        queue.add(keyed("Fail2ban 192.0.2.7", "ban", "192.0.2.7"));
        queue.add(keyed("Fail2ban 192.0.2.7", "unban", "192.0.2.7"));
        queue.add(keyed("Fail2ban 192.0.2.8", "ban", "192.0.2.8"));
        RunQueue.Run ban = queue.next();
        assertEquals(List.of("ban", "192.0.2.7"), ban.argv());
        assertEquals(List.of("ban", "192.0.2.8"), queue.next().argv(), "another address passes");
        assertNull(queue.next(), "the unban waits while its ban runs");
        queue.finished(ban);
        assertEquals(List.of("unban", "192.0.2.7"), queue.next().argv());
    }

    @Test
    void withoutBatchEveryInvocationRunsAloneInArrivalOrder() {
        add(1, "ban", "A");
        add(1, "ban", "B");
        assertEquals(List.of("ban", "A"), queue.next().argv());
        assertEquals(List.of("ban", "B"), queue.next().argv());
        assertNull(queue.next());
    }

    @Test
    void whatWaitsWithTheSamePrefixRunsAsOneCommandUpToTheBatch() {
        for (String ip : List.of("A", "B", "C", "D", "E")) {
            add(3, "set", "sshd", "banip", ip);
        }
        RunQueue.Run first = queue.next();
        assertEquals(List.of("set", "sshd", "banip", "A", "B", "C"), first.argv());
        assertEquals(3, first.items().size());
        assertEquals(List.of("set", "sshd", "banip", "D", "E"), queue.next().argv());
        assertNull(queue.next());
    }

    @Test
    void aLoneInvocationIsTakenAsItIs() {
        add(200, "set", "sshd", "banip", "A");
        RunQueue.Run run = queue.next();
        assertEquals(List.of("set", "sshd", "banip", "A"), run.argv());
        assertEquals(0, queue.size());
    }

    @Test
    void otherCommandsKeepWaitingInTheirOrder() {
        add(10, "set", "sshd", "banip", "A");
        add(10, "set", "nginx", "banip", "B");
        add(10, "set", "sshd", "banip", "C");
        assertEquals(List.of("set", "sshd", "banip", "A", "C"), queue.next().argv());
        assertEquals(List.of("set", "nginx", "banip", "B"), queue.next().argv());
    }

    @Test
    void anUnbanNeverRunsBeforeOrBesideTheBanItFollows() {
        add(10, "set", "sshd", "banip", "A");
        add(10, "set", "sshd", "unbanip", "A");
        add(10, "set", "sshd", "banip", "A");
        add(10, "set", "sshd", "banip", "B");

        RunQueue.Run bans = queue.next();
        // the second ban of A must wait for the unban between them; B may come along
        assertEquals(List.of("set", "sshd", "banip", "A", "B"), bans.argv());
        assertNull(queue.next(), "the unban of A waits while the ban of A runs");

        queue.finished(bans);
        RunQueue.Run unban = queue.next();
        assertEquals(List.of("set", "sshd", "unbanip", "A"), unban.argv());
        assertNull(queue.next(), "the second ban of A waits for the unban");
        queue.finished(unban);
        assertEquals(List.of("set", "sshd", "banip", "A"), queue.next().argv());
    }

    @Test
    void aLaterSameKeyNeverPassesOneLeftWaitingWithAnotherCommand() {
        add(10, "set", "sshd", "banip", "A");
        add(10, "set", "sshd", "unbanip", "B");
        add(10, "set", "sshd", "banip", "B");
        assertEquals(List.of("set", "sshd", "banip", "A"), queue.next().argv());
        assertEquals(List.of("set", "sshd", "unbanip", "B"), queue.next().argv());
        assertNull(queue.next());
    }

    @Test
    void aThousandInABurstRunAsAFewCommandsEachAddressOnce() {
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String ip = "192.0.2." + (i % 250) + "-" + (i / 250);
            sent.add(ip);
            add(200, "fail2ban-client", "set", "sshd", "banip", ip);
        }
        List<String> ran = new ArrayList<>();
        int runs = 0;
        for (RunQueue.Run run; (run = queue.next()) != null; runs++) {
            ran.addAll(run.argv().subList(4, run.argv().size()));
            queue.finished(run);
        }
        assertEquals(5, runs);
        assertEquals(sent, ran);
    }
}
