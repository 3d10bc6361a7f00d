package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code client publish} -> broker -> agent -> action, each a real process: values built to break out of
 * a command line reach the action as single literal arguments, and nothing else runs.
 */
class ActionArgvIT {
    @RegisterExtension
    final Cluster cluster = new Cluster();

    @Test
    void hostileValuesReachTheActionAsSingleLiteralArguments() throws Exception {
        FanoutServer broker = cluster.broker();
        RecordingAction action = cluster.recordingAction();
        HostileBan ban = new HostileBan(cluster.dir());
        Path config = cluster.agentConfig(action.action(HostileBan.ACTION_ARGUMENTS), broker.port());
        AgentProcess agent = cluster.agent(config);
        broker.awaitSubscriptions(1);

        cluster.publish(config, ban.message());

        assertEquals(List.of(ban.expectedArgv()), action.awaitRuns(1, agent.process()));
        // once the agent has counted the run, it has handled everything it received: one message, one run
        await().atMost(Cluster.WAIT).until(() -> agent.counterTotals().get("executed") == 1);
        Map<String, Long> counters = agent.counterTotals();
        assertEquals(1L, counters.get("received"), agent.output());
        assertEquals(List.of(ban.expectedArgv()), action.runs());
        ban.assertNoCanary();
    }
}
