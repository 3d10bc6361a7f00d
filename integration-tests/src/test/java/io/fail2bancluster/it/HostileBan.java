package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A ban that passes the filter and carries, in its other values, everything a shell would act on:
 * {@code ;}, {@code $(…)}, backticks, both quotes, runs of spaces, a placeholder, {@code \n} as two
 * characters, and a {@code !} that could pass for the protocol's channel separator. Each command in it
 * would create a canary file; each value must reach the action as one literal argument, byte for byte.
 */
final class HostileBan {
    /** The action's arguments: placeholders alone, inside a word, and a quoted literal of the template. */
    static final String ACTION_ARGUMENTS =
            "%ip% %cmd% %tick% %quotes% %spaced% %pct% %nl% %bang% ip=%ip% 'two words' %_channel% %_msg%";

    private final Path canaries;
    private final String message;

    HostileBan(Path dir) throws IOException {
        canaries = Files.createDirectories(dir.resolve("canaries"));
        message = "jail=sshd, action=banip"
                + ", ip=192.0.2.7; touch " + canary("semicolon")
                + ", cmd=$(touch " + canary("dollar") + ")"
                + ", tick=`touch " + canary("backtick") + "`"
                + ", quotes='single' \"double\" it's"
                + ", spaced=a  b   c"
                + ", pct=%jail%"
                + ", nl=first\\nsecond"
                + ", bang=debug!busy";
    }

    private String canary(String name) {
        return canaries.resolve(name).toString();
    }

    /** What to publish (with {@code -m}, so no shell sees it on the way in either). */
    String message() {
        return message;
    }

    /** The exact argv the action must receive for {@link #ACTION_ARGUMENTS}. */
    List<String> expectedArgv() {
        return List.of(
                "192.0.2.7; touch " + canary("semicolon"),
                "$(touch " + canary("dollar") + ")",
                "`touch " + canary("backtick") + "`",
                "'single' \"double\" it's",
                "a  b   c",
                "%jail%",
                "first\\nsecond",
                "debug!busy",
                "ip=192.0.2.7; touch " + canary("semicolon"),
                "two words",
                Cluster.CHANNEL,
                message);
    }

    /**
     * Runs the whole path with real processes: an agent subscribed on {@code server} with the recording
     * action, {@code client publish} of this ban, and checks that exactly one run happened, with
     * exactly the expected argv, and that no canary appeared.
     */
    void assertArrivesLiterallyThrough(Cluster cluster, FanoutServer server) throws IOException {
        RecordingAction action = cluster.recordingAction();
        Path config = cluster.agentConfig(action.action(ACTION_ARGUMENTS), server.port());
        AgentProcess agent = cluster.agent(config);
        server.awaitSubscriptions(1);

        cluster.publish(config, message);

        assertEquals(List.of(expectedArgv()), action.awaitRuns(1, agent.process()));
        Map<String, Long> counters = agent.awaitHandled(1);
        assertEquals(1L, counters.get("received"), agent.output());
        assertEquals(1L, counters.get("executed"), agent.output());
        assertEquals(List.of(expectedArgv()), action.runs());
        assertNoCanary();
    }

    /** Nothing in the message ran: no canary was created. */
    private void assertNoCanary() throws IOException {
        try (Stream<Path> created = Files.list(canaries)) {
            assertEquals(List.of(), created.toList(), "a value was run as a command");
        }
    }
}
