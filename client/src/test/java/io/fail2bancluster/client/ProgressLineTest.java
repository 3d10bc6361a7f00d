package io.fail2bancluster.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class ProgressLineTest {

    @Test
    void onATerminalItRewritesOneLineAndClearsItAtTheEnd() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        LongAdder done = new LongAdder();
        done.add(250);
        try (ProgressLine line = ProgressLine.start(true, err, done, 1000, "import")) {
            await().atMost(Duration.ofSeconds(5)).until(() -> bytes.toString(StandardCharsets.UTF_8)
                    .contains("\rimport: 250 of 1000 (25 %) in "));
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\r\033[K"), "the line is cleared, so what follows starts clean: " + text);
        assertTrue(text.indexOf('\n') < 0, "never a new line: " + text);
    }

    @Test
    void elsewhereItPrintsNothing() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ProgressLine line = ProgressLine.start(false, new PrintStream(bytes), new LongAdder(), 10, "import")) {
            assertEquals(0, bytes.size());
        }
        assertEquals(0, bytes.size());
    }
}
