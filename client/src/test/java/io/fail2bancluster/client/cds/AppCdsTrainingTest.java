package io.fail2bancluster.client.cds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AppCdsTrainingTest {

    @Test
    void theTrainingRunPublishesEveryWayToItsOwnLoopbackServer() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = AppCdsTraining.train(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        String errors = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, errors);
        // the signed channel runs with -v, so its acceptance is reported: the config path ran to the end
        assertTrue(errors.contains("127.0.0.1:") && errors.contains("accepted in"), errors);
        // and the NATS path ran to JetStream's acknowledgement
        assertTrue(errors.contains(": stored in FAIL2BAN_CLUSTER as sequence 1"), errors);
    }
}
