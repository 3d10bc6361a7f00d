package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.agent.assembly.Agent;
import io.fail2bancluster.agent.outbox.OutboxStore;
import io.fail2bancluster.agent.outbox.PublishCommand;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.config.ClusterConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.logging.log4j.LogManager;

/** The daemon's view of an {@link Agent}: what it asks of one, so tests can run the daemon around a fake. */
public interface RunningAgent {

    AgentStatus status();

    CompletableFuture<Void> shutdown(Duration grace);

    /**
     * Applies a validated config's servers and channels live; see {@link Agent#reload}. Called off the
     * agent's event loop.
     *
     * @return what changed, one line each, once applied
     * @throws IllegalStateException when the new config cannot be applied; the old one keeps running
     */
    CompletableFuture<List<String>> reload(ClusterConfig next);

    /**
     * The control socket's {@code publish CHANNEL MESSAGE}: answered {@code ok} once the message is in the
     * outbox on disk. Called on the control socket's thread.
     */
    default ControlReply publish(String argument) {
        return ControlReply.error("this agent keeps no outbox; publish with fail2ban-cluster-client");
    }

    /** Starts an agent for a validated config. */
    @FunctionalInterface
    interface Starter {
        RunningAgent start(ClusterConfig config);
    }

    /** Where the agent keeps its outbox under {@code state_dir}. */
    static Path outboxDir(ClusterConfig config) {
        return config.stateDir().resolve("outbox");
    }

    /**
     * The real thing: {@link Agent#start} with the outbox under {@code state_dir}. When it cannot be opened
     * the agent still receives (that is most of its job), says why, and refuses publishes, so fail2ban's
     * action falls back to the client.
     */
    static RunningAgent start(ClusterConfig config) {
        OutboxStore store = null;
        StateDirLock lock = null;
        String noOutbox = null;
        try {
            lock = StateDirLock.acquire(config.stateDir());
            store = OutboxStore.open(outboxDir(config), config.outboxMax());
        } catch (IOException | RuntimeException e) {
            closeQuietly(lock);
            lock = null;
            noOutbox = "no outbox: cannot open " + outboxDir(config) + " (state_dir): " + e.getMessage();
            LogManager.getLogger(RunningAgent.class).warn("{}; publishes are refused (fail2ban's action falls back "
                    + "to fail2ban-cluster-client)", noOutbox);
        }
        Agent agent;
        try {
            // the ledger shares the outbox's fate: kept only where this agent holds state_dir's lock
            agent = Agent.builder(config).outbox(store).ledgerIn(lock == null ? null : config.stateDir()).start();
        } catch (RuntimeException | Error e) {
            closeQuietly(lock); // the agent stopped what it had started; the lock is ours to give back
            throw e;
        }
        Optional<PublishCommand> publish = agent.publishCommand();
        String refusal = noOutbox;
        StateDirLock held = lock;
        return new RunningAgent() {
            @Override
            public ControlReply publish(String argument) {
                return publish.map(command -> reply(command.apply(argument)))
                        .orElseGet(() -> ControlReply.error(refusal + "; nothing kept"));
            }

            @Override
            public AgentStatus status() {
                return agent.status();
            }

            @Override
            public CompletableFuture<Void> shutdown(Duration grace) {
                return agent.shutdown(grace).whenComplete((done, error) -> closeQuietly(held));
            }

            @Override
            public CompletableFuture<List<String>> reload(ClusterConfig next) {
                return agent.reload(next);
            }
        };
    }

    /** The control socket's answer to a publish: {@code ok} with the entry's sequence, or why nothing was kept. */
    static ControlReply reply(PublishCommand.Reply published) {
        return published.sequence().isPresent()
                ? ControlReply.ok(Map.of("sequence", Long.toString(published.sequence().getAsLong())))
                : ControlReply.error(published.error().orElseThrow());
    }

    private static void closeQuietly(StateDirLock lock) {
        if (lock == null) {
            return;
        }
        try {
            lock.close();
        } catch (IOException e) {
            // the process ends soon, and the kernel drops the lock with it
        }
    }
}
