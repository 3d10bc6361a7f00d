package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three broker processes carry the channel; the agent subscribes to all three and the client's config
 * lists all three, as a site with redundant fanout servers runs them. Every publish reaches the agent
 * three times; the dedupe decides what runs.
 */
class RedundantServersIT {
    @RegisterExtension
    final Cluster cluster = new Cluster();

    private RecordingAction action;
    private Path config;
    private AgentProcess agent;

    @BeforeEach
    void threeBrokersAndAnAgentOnAllOfThem() throws Exception {
        List<FanoutServer> brokers = cluster.brokers(3);
        action = cluster.recordingAction();
        config = cluster.agentConfig(action.action("%action% %ip%"),
                brokers.get(0).port(), brokers.get(1).port(), brokers.get(2).port());
        agent = cluster.agent(config);
        brokers.forEach(b -> b.awaitSubscriptions(1));
    }

    private static String message(String action, String ip) {
        return "jail=sshd, action=" + action + ", ip=" + ip;
    }

    @Test
    void onePublishToAllThreeRunsOnce() {
        cluster.publish(config, message("banip", "192.0.2.10"));

        Map<String, Long> counters = agent.awaitHandled(3);
        assertEquals(3L, counters.get("received"), counters::toString);
        assertEquals(List.of(List.of("banip", "192.0.2.10")), action.runs());
        assertEquals(2L, counters.get("deduplicated"), counters::toString);
        assertEquals(1L, counters.get("executed"), counters::toString);
        assertEquals(2, agent.process().lines(l -> l.contains("already delivered by another server")).size(),
                agent.output());
    }

    @Test
    void banUnbanBanOfOneAddressInsideTheWindowRunsThreeTimesInOrder() {
        cluster.publish(config, message("banip", "192.0.2.20"));
        cluster.publish(config, message("unbanip", "192.0.2.20"));
        cluster.publish(config, message("banip", "192.0.2.20"));

        Map<String, Long> counters = agent.awaitHandled(9);
        assertEquals(9L, counters.get("received"), counters::toString);
        assertEquals(List.of(List.of("banip", "192.0.2.20"), List.of("unbanip", "192.0.2.20"),
                List.of("banip", "192.0.2.20")), action.runs());
        assertEquals(6L, counters.get("deduplicated"), counters::toString);
        assertEquals(3L, counters.get("executed"), counters::toString);
    }
}
