package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.broker.PlantedErrorBroker;
import io.fail2bancluster.util.FatalErrors;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An Error on an event loop ends the broker with a non-zero status, so systemd restarts it, instead of
 * leaving a process that closed one connection and runs on half dead. The fault is planted by a test-only
 * main around the real one ({@link PlantedErrorBroker}); the production pipeline has no hook for it.
 */
class FatalErrorIT {
    @Test
    void anOutOfMemoryErrorOnTheBrokerLoopEndsItWithStatus3AndTheStack() throws Exception {
        try (JavaProcess broker = JavaProcess.start("broker", List.of(), PlantedErrorBroker.class,
                "--bind=127.0.0.1", "--port=0")) {
            int port = FanoutServer.awaitListeningPort(broker, Cluster.WAIT);
            try (Socket client = new Socket("127.0.0.1", port)) {
                OutputStream out = client.getOutputStream();
                out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertEquals(FatalErrors.EXIT_STATUS, broker.awaitExit(Duration.ofSeconds(20)), broker.output());
            }
            String output = broker.output();
            assertTrue(output.contains("fatal java.lang.OutOfMemoryError: planted on the event loop on thread broker-loop"),
                    output);
            assertTrue(output.contains("PlantedErrorBroker"), "with the stack: " + output);
        }
    }
}
