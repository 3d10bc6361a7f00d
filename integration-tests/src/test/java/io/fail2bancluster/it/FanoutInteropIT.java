package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Our client and agent against the reference C fanout server (travisghansen/fanout), which no one here
 * wrote. It is not part of this repository: build it and pass its path with
 * {@code mvn verify -Dfanout.binary=/path/to/fanout}; without it these tests are skipped.
 */
class FanoutInteropIT {
    static final String PROPERTY = "fanout.binary";

    @RegisterExtension
    final Cluster cluster = new Cluster();

    private Path binary;

    /** Why these tests cannot run here, if they cannot; said on the console too: failsafe keeps it in the XML. */
    private static Optional<String> skipReason;

    @BeforeAll
    static void findTheReferenceServer() {
        String path = System.getProperty(PROPERTY, "").trim();
        if (path.isEmpty()) {
            skipReason = Optional.of("no reference fanout server; run with -D" + PROPERTY
                    + "=/path/to/fanout (built from travisghansen/fanout) to test interoperation with it");
        } else if (!Files.isRegularFile(Path.of(path)) || !Files.isExecutable(Path.of(path))) {
            skipReason = Optional.of("-D" + PROPERTY + "=" + path + " is not an executable file");
        } else {
            skipReason = Optional.empty();
        }
        skipReason.ifPresent(why -> System.out.println("FanoutInteropIT skipped: " + why));
    }

    @BeforeEach
    void needsTheReferenceServer() {
        assumeTrue(skipReason.isEmpty(), () -> "skipped: " + skipReason.orElseThrow());
        binary = Path.of(System.getProperty(PROPERTY).trim());
    }

    @Test
    void aBanPublishedThroughTheReferenceServerRunsOnceWithItsValuesLiteral() throws Exception {
        FanoutServer fanout = cluster.reference(binary);
        new HostileBan(cluster.dir()).assertArrivesLiterallyThrough(cluster, fanout);
    }

    @Test
    void aClientAgainstTheReferenceServerAtItsClientLimitFailsNamingIt() throws Exception {
        FanoutServer fanout = cluster.reference(binary, "--client-limit=1");
        RawSubscriber subscriber = cluster.keep(new RawSubscriber(fanout.port(), Cluster.CHANNEL));

        JavaProcess client = cluster.client("--host", "127.0.0.1", "-p", String.valueOf(fanout.port()),
                "-c", Cluster.CHANNEL, "-m", "jail=sshd, action=banip, ip=192.0.2.40");

        assertEquals(1, client.process().exitValue(), client.output());
        assertEquals(List.of("fail2ban-cluster-client: " + fanout.address()
                + ": server is full (it answered debug!busy)"), client.stderr());
        assertEquals("", subscriber.receivedUntilPingReply(), "nothing was announced");
    }
}
