package io.fail2bancluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.daemon.AgentMain;
import io.fail2bancluster.broker.BrokerMain;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile values pushed end to end: raw bytes into a broker process, through an agent process, into an
 * action script that records its argv. For every case either exactly the intended single argument reaches
 * the program, or (for the ones the agent must refuse) nothing runs at all.
 */
class HostileCorpusIT {
    private static final Duration WITHIN = Duration.ofSeconds(60);
    /** Refused somewhere on the way: nothing may run. */
    private static final String NOTHING = "<nothing runs>";

    @TempDir
    Path dir;

    private final Resources resources = new Resources();

    @AfterEach
    void closeAll() throws Exception {
        resources.close();
    }

    /**
     * Message text after {@code jail=sshd, n=<case>, } -> the argument {@code %v%} must become, or NOTHING.
     * In file order, so a failure names its case number.
     */
    private static Map<String, String> corpus() {
        Map<String, String> c = new LinkedHashMap<>();
        // shell metacharacters: there is no shell, each is one literal argument
        c.put("v=; rm -rf /", "; rm -rf /");
        c.put("v=$(touch /tmp/f2bc-pwned)", "$(touch /tmp/f2bc-pwned)");
        c.put("v=`id`", "`id`");
        c.put("v=| cat /etc/passwd", "| cat /etc/passwd");
        c.put("v=&& reboot", "&& reboot");
        c.put("v=> /etc/passwd", "> /etc/passwd");
        c.put("v=< /dev/zero", "< /dev/zero");
        c.put("v='quoted' \"twice\"", "'quoted' \"twice\"");
        c.put("v=$HOME ${IFS} $0", "$HOME ${IFS} $0");
        c.put("v=* ? [a-z]", "* ? [a-z]");
        c.put("v=~root", "~root");
        c.put("v=#comment", "#comment");
        c.put("v=a!b!c", "a!b!c");
        c.put("v=\\n", "\\n");
        c.put("v=back\\slash\\", "back\\slash\\");
        // placeholders inside values are never expanded
        c.put("v=%jail%", "%jail%");
        c.put("v=%_msg% %_channel%", "%_msg% %_channel%");
        c.put("v=%v%", "%v%");
        c.put("v=100%", "100%");
        // the message grammar: '=' stays in the value, ',' ends it, spaces and tabs around it go
        c.put("v=a=b=c", "a=b=c");
        c.put("v=x,y", "x");
        c.put("v=,z=1", "");
        c.put("v=\t spaced \t", "spaced");
        c.put("v=first, v=second", "second");
        c.put("=empty key, v=ok", "ok");
        c.put("=v", NOTHING); // an empty key is not v: the action lacks %v%, so it does not run
        c.put("v", "");
        // option injection: a leading '-' never reaches the program
        c.put("v=-rf", NOTHING);
        c.put("v=--help", NOTHING);
        c.put("v=-", NOTHING);
        c.put("v= -x", NOTHING);
        c.put("v=a -x", "a -x");
        // sizes: max_value_length (1024) and the line limit
        c.put("v=" + "$(x)".repeat(256), "$(x)".repeat(256));
        c.put("v=" + "a".repeat(1025), NOTHING);
        c.put("v=" + "b".repeat(70_000), NOTHING);
        c.put("v=1, " + "k=v, ".repeat(40), NOTHING); // more than max_pairs
        // unicode: passed through exactly, never normalised into something else
        c.put("v=ｓｓｈｄ", "ｓｓｈｄ");
        c.put("v=192.0.2.7\u200b", "192.0.2.7\u200b");
        c.put("v=\u202eevil", "\u202eevil");
        c.put("v=😀 Ωmega", "😀 Ωmega");
        c.put("v=\u2212rf", "\u2212rf"); // a minus sign look-alike is not '-'
        // control characters (sent with a raw socket: our client refuses them)
        c.put("v=a\u0000b", NOTHING);
        c.put("v=a\rb", NOTHING);
        c.put("v=\u001b[2Jclear", NOTHING);
        c.put("v=bell\u0007", NOTHING);
        c.put("v=trailing-cr\r", "trailing-cr"); // CRLF: the agent's frame decoder drops the CR with the LF
        // filters and ignore_ip still apply around hostile values
        c.put("v=ok, jail=ｓｓｈｄ", NOTHING);
        c.put("v=ok, ip=10.9.8.7", NOTHING);
        c.put("v=ok, ip=192.0.2.7", "ok");
        return c;
    }

    @Test
    void everyHostileValueIsOneLiteralArgumentOrNothingRuns() throws Exception {
        JavaProcess broker = keep(JavaProcess.start("broker", BrokerMain.class, "--bind=127.0.0.1", "--port=0"));
        int port = FanoutServer.awaitListeningPort(broker, WITHIN);
        RecordingAction recorder = RecordingAction.in(dir);
        Path config = dir.resolve("cluster.yml");
        Files.writeString(config, """
                servers:
                  - host: 127.0.0.1
                    port: %d
                    channels:
                      - name: Hostile
                        action: "%s"
                        filter:
                          - key: jail
                            values: [sshd]
                          - key: n
                            pattern: '[0-9]{1,4}'
                        ignore_ip: [10.0.0.0/8]
                exec_concurrency: 1
                control_socket: %s
                state_dir: %s
                """.formatted(port, recorder.action("%n% %v%"), dir.resolve("control.sock"), dir.resolve("state")));
        JavaProcess agent = keep(JavaProcess.start("agent", AgentMain.class, "--config", config.toString(), "run"));

        Map<String, String> corpus = corpus();
        assertTrue(corpus.size() >= 40, "corpus of " + corpus.size());
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = socket.getOutputStream();
            // Subscribed once a probe comes back (an announce before the subscribe would be dropped).
            await().atMost(WITHIN).pollInterval(Duration.ofMillis(200)).until(() -> {
                announce(out, "jail=sshd, n=0, v=probe");
                return !recorder.runs().isEmpty();
            });
            int n = 1;
            for (String rest : corpus.keySet()) {
                announce(out, "jail=sshd, n=" + n++ + ", " + rest);
            }
            // One connection, one exec thread: once the last one ran, every case before it has been decided.
            announce(out, "jail=sshd, n=9999, v=done");
            await().atMost(WITHIN).until(() -> recorder.runs().stream().anyMatch(r -> r.get(0).equals("9999")));
        }

        Map<String, List<List<String>>> byCase = new LinkedHashMap<>();
        for (List<String> run : recorder.runs()) {
            byCase.computeIfAbsent(run.get(0), k -> new ArrayList<>()).add(run);
        }
        int n = 1;
        for (Map.Entry<String, String> entry : corpus.entrySet()) {
            String id = String.valueOf(n++);
            List<List<String>> runs = byCase.getOrDefault(id, List.of());
            String what = "case " + id + " " + printable(entry.getKey()) + "\n--- agent ---\n" + agent.output();
            if (entry.getValue().equals(NOTHING)) {
                assertEquals(List.of(), runs, what);
            } else {
                assertEquals(List.of(List.of(id, entry.getValue())), runs, what);
            }
        }
        assertTrue(Files.notExists(Path.of("/tmp/f2bc-pwned")));
    }

    private static void announce(OutputStream out, String message) throws IOException {
        out.write(("announce Hostile " + message + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String printable(String text) {
        String shown = text.length() > 60 ? text.substring(0, 60) + "...(" + text.length() + ")" : text;
        return io.fail2bancluster.protocol.Wire.quote(shown);
    }

    private <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }
}
