package io.fail2bancluster.agent.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.Fixtures;
import io.fail2bancluster.agent.exec.ActionResult;
import io.fail2bancluster.agent.exec.Invocation;
import io.fail2bancluster.agent.status.Counter;
import io.fail2bancluster.agent.status.ServerState;
import io.fail2bancluster.protocol.Message;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ActionDispatcherTest {
    private final Fixtures.RecordingRunner runner = new Fixtures.RecordingRunner();
    private ServerState state;
    private EmbeddedChannel channel;
    private ActionDispatcher exec;
    private int settled;

    @BeforeEach
    void setUp() {
        state = new ServerState("fanout:1986");
        channel = new EmbeddedChannel();
        channel.freezeTime();
        exec = new ActionDispatcher(state, channel.eventLoop(), runner, new ExecReporter(channel.eventLoop().ticker()),
                ArgvCharset.PLATFORM);
    }

    private void deliver(String message) {
        exec.dispatch(Fixtures.fail2banRoute(), Message.parse(message), 0, () -> settled++);
    }

    /** Completes call {@code index} from a runner thread, as a real runner does. */
    private void complete(int index, ActionResult result) throws InterruptedException {
        Thread runnerThread = new Thread(() -> runner.calls.get(index).whenDone().accept(result));
        runnerThread.start();
        runnerThread.join();
    }

    @Test
    void handsTheRenderedArgvToTheRunnerWithoutWaiting() {
        deliver("jail=sshd, action=banip, ip=1.2.3.4; rm -rf /");
        assertEquals(1, runner.calls.size());
        Invocation invocation = runner.calls.get(0).invocation();
        assertEquals(List.of("ban", "sshd", "banip", "1.2.3.4; rm -rf /"), invocation.argv());
        assertEquals("fanout:1986", invocation.server());
        assertEquals(Fixtures.CHANNEL, invocation.channel());
        assertEquals("jail=sshd, action=banip, ip=1.2.3.4; rm -rf /", invocation.message());
        assertEquals(0, state.count(Counter.EXECUTED), "counted when it finishes, not when it starts");
        assertFalse(channel.finish());
    }

    @Test
    void outcomesComeBackOnTheLoopAndAreCounted() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            deliver("jail=sshd, action=banip, ip=192.0.2." + i);
        }
        complete(0, new ActionResult.Exited(0, Duration.ofMillis(3), ""));
        complete(1, new ActionResult.Exited(1, Duration.ofMillis(3), "already banned"));
        complete(2, new ActionResult.TimedOut(Duration.ofSeconds(60), ""));
        complete(3, new ActionResult.NotStarted("cannot run ban: No such file or directory"));
        complete(4, new ActionResult.Dropped("exec queue full"));
        assertEquals(0, state.count(Counter.EXECUTED), "nothing counted off the loop");
        channel.runPendingTasks();
        assertEquals(1, state.count(Counter.EXECUTED));
        assertEquals(2, state.count(Counter.FAILED));
        assertEquals(1, state.count(Counter.TIMED_OUT));
        assertEquals(1, state.count(Counter.DROPPED));
        assertFalse(channel.finish());
    }

    @Test
    void aDropReportedAtOnceOnTheLoopIsCountedAfterTheRead() {
        deliver("jail=sshd, action=banip, ip=192.0.2.1");
        runner.calls.get(0).whenDone().accept(new ActionResult.Dropped("exec queue full"));
        channel.runPendingTasks();
        assertEquals(1, state.count(Counter.DROPPED));
        assertFalse(channel.finish());
    }

    @Test
    void aMessageIsSettledOnceItsOutcomeIsReportedButNotWhenTheAgentStoppedBeforeItRan() throws InterruptedException {
        deliver("jail=sshd, action=banip, ip=192.0.2.1");
        deliver("jail=sshd, action=banip, ip=192.0.2.2");
        deliver("jail=sshd, action=banip, ip=192.0.2.3");
        complete(0, new ActionResult.Exited(0, Duration.ofMillis(3), ""));
        complete(1, new ActionResult.Exited(1, Duration.ofMillis(3), "fail2ban is not running"));
        complete(2, new ActionResult.Dropped(ActionResult.Dropped.SHUTTING_DOWN));
        assertEquals(0, settled, "settled on the loop, after the report");
        channel.runPendingTasks();
        assertEquals(1, settled, "a success is final; a failure waits for its retry; a stop is not");
        channel.advanceTimeBy(2, java.util.concurrent.TimeUnit.SECONDS);
        channel.runPendingTasks();
        assertEquals(4, runner.calls.size(), "the failed one runs again");
        complete(3, new ActionResult.Exited(0, Duration.ofMillis(3), ""));
        channel.runPendingTasks();
        assertEquals(2, settled, "settled once its retry succeeded");
        assertFalse(channel.finish());
    }

    @Test
    void aMessageWithoutAPlaceholderIsRejectedNotRun() {
        deliver("jail=sshd, action=banip");
        assertTrue(runner.calls.isEmpty());
        assertEquals(1, settled, "nothing will run: settled at once");
        assertEquals(1, state.count(Counter.REJECTED));
        assertFalse(channel.finish());
    }

    @Test
    void anArgvTheLocaleWouldMangleIsRefusedNotRunAsQuestionMarks() {
        EmbeddedChannel ascii = new EmbeddedChannel();
        ascii.freezeTime();
        ActionDispatcher asciiExec = new ActionDispatcher(state, ascii.eventLoop(), runner,
                new ExecReporter(ascii.eventLoop().ticker()), List.of(StandardCharsets.US_ASCII));
        asciiExec.dispatch(Fixtures.fail2banRoute(), Message.parse("jail=sshd, action=banip, ip=１.2.3.4"), 0, () -> settled++);
        asciiExec.dispatch(Fixtures.fail2banRoute(), Message.parse("jail=sshd, action=banip, ip=1.2.3.4"), 0, () -> settled++);
        ascii.runPendingTasks();

        assertEquals(List.of(List.of("ban", "sshd", "banip", "1.2.3.4")),
                runner.argvs());
        assertEquals(1, state.count(Counter.REJECTED));
        assertEquals("argument 3 has characters US-ASCII cannot carry (run the agent in "
                + "a UTF-8 locale, e.g. LANG=C.UTF-8, to pass them)",
                ArgvCharset.unencodable(List.of("a", "b", "c", "１"), List.of(StandardCharsets.US_ASCII)));
        assertNull(ArgvCharset.unencodable(List.of("ｓｓｈｄ"),
                List.of(StandardCharsets.UTF_8)));
        assertFalse(ascii.finish());
    }
}
