package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.broker.PlantedSleepBroker;
import io.fail2bancluster.client.FanoutDestination;
import io.fail2bancluster.client.PublishResult;
import io.fail2bancluster.client.Publisher;
import io.fail2bancluster.protocol.Command;
import io.fail2bancluster.util.BlockingCallGuard;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every agent and broker process of the ITs runs with {@code F2BC_BLOCKHOUND=1} (see {@link JavaProcess}).
 * This proves the switch catches a blocking call, and that real work (connect, subscribe, receive, filter,
 * run actions, log at debug, shut down) does not make one.
 */
class BlockHoundIT {
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aSleepPlantedOnTheBrokerLoopEndsItWithStatus70AndTheStack() throws IOException {
        try (JavaProcess broker = JavaProcess.start("broker", PlantedSleepBroker.class, "--bind=127.0.0.1", "--port=0")
                .expectBlockingCallExit()) {
            int port = FanoutServer.awaitListeningPort(broker, WITHIN);
            try (Socket connection = new Socket("127.0.0.1", port)) {
                assertEquals(BlockingCallGuard.EXIT_STATUS, broker.awaitExit(WITHIN), broker.output());
            }
            String output = broker.output();
            assertTrue(output.contains("blocking call java.lang.Thread.sleep"), output);
            assertTrue(output.contains("on event loop thread broker-loop"), output);
            assertTrue(output.contains("SleepOnTheLoop.channelActive"), output);
        }
    }

    @Test
    void anAgentAndABrokerDoRealWorkWithoutABlockingCall() throws Exception {
        try (JavaProcess broker = JavaProcess.start("broker", BrokerMain.class, "--bind=127.0.0.1", "--port=0")) {
            int port = FanoutServer.awaitListeningPort(broker, WITHIN);
            Path bans = Files.createDirectory(dir.resolve("bans"));
            Path config = Files.writeString(dir.resolve("cluster.yml"), """
                    servers:
                      - host: 127.0.0.1
                        port: %d
                        ping_timeout: 3
                        channels:
                          - name: Fail2ban
                            action: "touch %s/%%ip%%"
                            filter:
                              - key: jail
                                values: [sshd]
                    log_level: 3
                    control_socket: %s
                    state_dir: %s
                    """.formatted(port, bans, dir.resolve("control.sock"), dir.resolve("state")));
            try (JavaProcess agent = JavaProcess.start("fail2ban-clusterd", AgentMain.class,
                    "--config", config.toString(), "run")) {
                agent.awaitLineContaining(":" + port + ": connected", WITHIN);
                Publisher publisher = new Publisher();
                for (int i = 0; i < 20; i++) {
                    String jail = i % 2 == 0 ? "sshd" : "nginx";
                    List<PublishResult> results = publisher.publish(List.of(new FanoutDestination("127.0.0.1", port)),
                            new Command.Announce("Fail2ban", "jail=" + jail + ", ip=192.0.2." + i), WITHIN);
                    assertTrue(results.get(0).accepted(), results.toString());
                }
                await().atMost(WITHIN).until(() -> count(bans) == 10);
                assertTrue(agent.isAlive() && broker.isAlive(), agent.output() + broker.output());
                agent.terminate();
                assertEquals(0, agent.awaitExit(WITHIN), agent.output());
            }
            assertTrue(broker.isAlive(), broker.output());
        }
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }
}
