package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The agent process against servers that fail the way real ones do: killed with {@code kill -9} and
 * started again on the same port, or alive at the TCP level and silent.
 */
class AgentReconnectIT {
    private static final String ACTION_ARGUMENTS = "%action% %ip%";

    @RegisterExtension
    final Cluster cluster = new Cluster();

    private static String ban(String ip) {
        return "jail=sshd, action=banip, ip=" + ip;
    }

    @Test
    void aBrokerKilledAndRestartedOnItsPortGetsTheSubscriptionBackAndTheNextBanRunsOnce() throws Exception {
        FanoutServer broker = cluster.broker();
        int port = broker.port();
        RecordingAction action = cluster.recordingAction();
        Path config = cluster.agentConfig(action.action(ACTION_ARGUMENTS), port);
        AgentProcess agent = cluster.agent(config);
        broker.awaitSubscriptions(1);
        cluster.publish(config, ban("192.0.2.1"));
        action.awaitRuns(1, agent.process());

        broker.kill();
        FanoutServer restarted = cluster.brokerOn(port);
        restarted.awaitSubscriptions(1);
        cluster.publish(config, ban("192.0.2.2"));
        // a later ban on the same connection: once it ran, any second copy of the one before would have too
        cluster.publish(config, ban("192.0.2.3"));

        assertEquals(List.of(List.of("banip", "192.0.2.1"), List.of("banip", "192.0.2.2"), List.of("banip", "192.0.2.3")),
                action.awaitRuns(3, agent.process()));
        assertEquals(1, restarted.userRequestedSubscriptions(), "one subscription, so one copy of each ban");
        assertEquals(2, agent.process().lines(l -> l.endsWith(": connected")).size(), agent.output());
    }

    @Test
    void aConnectionThatGoesHalfOpenIsDroppedByThePingTimeoutAndTheNextBanRunsOnce() throws Exception {
        FanoutServer broker = cluster.broker();
        StallingProxy proxy = cluster.keep(StallingProxy.to(broker.port()));
        RecordingAction action = cluster.recordingAction();
        // the agent reaches the broker only through the proxy; the client publishes to the broker directly
        AgentProcess agent = cluster.agent(cluster.agentConfig(action.action(ACTION_ARGUMENTS), proxy.port()));
        Path publishTo = cluster.agentConfig(action.action(ACTION_ARGUMENTS), broker.port());
        broker.awaitSubscriptions(1);
        cluster.publish(publishTo, ban("192.0.2.1"));
        action.awaitRuns(1, agent.process());

        proxy.stallOpenConnections();
        agent.process().awaitLineContaining("(ping_timeout); closing", Cluster.WAIT);
        // the stalled upstream half still holds the first subscription, so the new one makes two
        broker.awaitSubscriptions(2);
        cluster.publish(publishTo, ban("192.0.2.2"));
        cluster.publish(publishTo, ban("192.0.2.3"));

        assertEquals(List.of(List.of("banip", "192.0.2.1"), List.of("banip", "192.0.2.2"), List.of("banip", "192.0.2.3")),
                action.awaitRuns(3, agent.process()));
        assertEquals(2, agent.process().lines(l -> l.endsWith(": connected")).size(), agent.output());
    }

    @Test
    void aServerThatAcceptsAndNeverGreetsIsDroppedAfterThePingTimeoutAndRetried() throws Exception {
        String said = acceptTwiceAndReadTheFirstConnection(false,
                "no greeting (debug!connected...) within " + Cluster.PING_TIMEOUT_SECONDS * 1000 + " ms; closing");
        assertTrue(said.startsWith("subscribe " + Cluster.CHANNEL + "\n"), said);
    }

    @Test
    void aServerThatGreetsAndThenFallsSilentIsDroppedAfterThePingTimeoutAndRetried() throws Exception {
        String said = acceptTwiceAndReadTheFirstConnection(true,
                "nothing received for " + (double) Cluster.PING_TIMEOUT_SECONDS + " s (ping_timeout); closing");
        assertTrue(said.startsWith("subscribe " + Cluster.CHANNEL + "\n"), said);
        assertTrue(said.contains("ping\n"), "the agent asked before giving up: " + said);
    }

    /**
     * A listener that accepts, optionally greets, and then never says anything: waits for the agent's
     * second connection and returns what the agent wrote on the first until it closed it.
     */
    private String acceptTwiceAndReadTheFirstConnection(boolean greet, String expectedWarning) throws Exception {
        ServerSocket silent = cluster.keep(new ServerSocket(0, 10, InetAddress.getLoopbackAddress()));
        silent.setSoTimeout((int) Cluster.WAIT.toMillis());
        AgentProcess agent = cluster.agent(cluster.agentConfig(
                cluster.recordingAction().action(ACTION_ARGUMENTS), silent.getLocalPort()));

        Socket first = cluster.keep(silent.accept());
        if (greet) {
            first.getOutputStream().write("debug!connected...\n".getBytes(StandardCharsets.US_ASCII));
        }
        cluster.keep(silent.accept());

        agent.process().awaitLineContaining(expectedWarning, Cluster.WAIT);
        return untilClosed(first);
    }

    /** Everything the peer wrote until it closed its side (bounded by a read timeout). */
    private static String untilClosed(Socket socket) throws IOException {
        socket.setSoTimeout((int) Cluster.WAIT.toMillis());
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        in.transferTo(received);
        return received.toString(StandardCharsets.US_ASCII);
    }
}
