package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The filter of the original config format, end to end: only {@code action in [banip, unbanip]} and
 * {@code jail in [sshd]} runs; everything else the agent receives stops at the filter.
 */
class AgentFilterIT {
    @RegisterExtension
    final Cluster cluster = new Cluster();

    @Test
    void onlyMessagesPassingTheFilterOnTheConfiguredChannelRun() throws Exception {
        FanoutServer broker = cluster.broker();
        RecordingAction action = cluster.recordingAction();
        Path config = cluster.agentConfig(action.action("%action% %ip%"), broker.port());
        AgentProcess agent = cluster.agent(config);
        broker.awaitSubscriptions(1);

        cluster.publish(config, "jail=nginx, action=banip, ip=192.0.2.30");
        cluster.publish(config, "hello");
        cluster.publish(config, "action=banip, ip=192.0.2.31");
        // every fanout client hears 'all', the agent included: a ban there is not on its channel
        JavaProcess toAll = cluster.client("--host", "127.0.0.1", "-p", String.valueOf(broker.port()),
                "-c", "all", "-m", "jail=sshd, action=banip, ip=192.0.2.32");
        assertEquals(0, toAll.process().exitValue(), toAll.output());
        cluster.publish(config, "jail=sshd, action=unbanip, ip=192.0.2.33");

        Map<String, Long> counters = agent.awaitHandled(5);
        assertEquals(5L, counters.get("received"), counters::toString);
        assertEquals(4L, counters.get("filtered_out"), counters::toString);
        assertEquals(1L, counters.get("executed"), counters::toString);
        assertEquals(List.of(List.of("unbanip", "192.0.2.33")), action.runs());
        assertEquals(4, agent.process().lines(l -> l.contains("filtered out")).size(), agent.output());
    }
}
