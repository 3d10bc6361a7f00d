package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.broker.BrokerMain;
import io.fail2bancluster.harness.FloodLoad;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The broker at its launcher's JVM defaults under a flood: one publisher writing as fast as TCP lets it,
 * {@value #SUBSCRIBERS} subscribers in another process reading as fast as they can, for
 * {@value #FLOOD_SECONDS} s. Its memory is bounded by design (a delivery budget and back-pressure to the
 * publisher), so it stays up without an OutOfMemoryError and under {@value #RSS_LIMIT_MIB} MiB of RSS, every
 * subscriber it kept gets every line in order, and a SIGTERM afterwards ends it within 10 s with status 0.
 * Behaviour only: how fast it goes is the flood bench's business.
 */
class BrokerFloodIT {
    /** What bin/fail2ban-cluster-broker runs with (lib/launcher.sh's defaults and its own); keep in step. */
    static final List<String> LAUNCHER_JVM = List.of("-Xmx64m", "-XX:+UseSerialGC", "-Xss512k",
            "-XX:+ExitOnOutOfMemoryError");
    private static final int SUBSCRIBERS = 100;
    private static final int FLOOD_SECONDS = 20;
    private static final int RSS_LIMIT_MIB = 160;
    private static final Pattern RESULT = Pattern.compile(
            "flood deliveries (\\d+) seconds \\S+ published (\\d+) closed (\\d+) gaps (\\d+) complete (\\d+)(.*)");

    @Test
    void aFloodedBrokerStaysUpInItsMemoryDeliversInOrderAndStopsOnSigterm() throws Exception {
        try (JavaProcess broker = JavaProcess.start("broker", LAUNCHER_JVM, BrokerMain.class,
                "--bind=127.0.0.1", "--port=0")) {
            int port = FanoutServer.awaitListeningPort(broker, Cluster.WAIT);
            AtomicLong peakRssKib = new AtomicLong();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> peakRssKib.accumulateAndGet(rssKib(broker.pid()), Math::max),
                    0, 100, TimeUnit.MILLISECONDS);
            String result;
            try (JavaProcess flood = JavaProcess.start("flood", List.of("-Xmx128m"), FloodLoad.class,
                    String.valueOf(port), String.valueOf(SUBSCRIBERS), "2", String.valueOf(FLOOD_SECONDS - 2))) {
                result = flood.awaitLine(line -> RESULT.matcher(line).matches(),
                        Duration.ofSeconds(FLOOD_SECONDS + 90));
            } finally {
                sampler.shutdownNow();
            }
            String context = result + "\n" + broker.output();
            Matcher figures = RESULT.matcher(result);
            assertTrue(figures.matches());
            long delivered = Long.parseLong(figures.group(1));
            int closed = Integer.parseInt(figures.group(3));
            int gaps = Integer.parseInt(figures.group(4));
            int complete = Integer.parseInt(figures.group(5));

            assertTrue(broker.isAlive(), "the broker is still up:\n" + context);
            assertTrue(broker.lines(line -> line.contains("OutOfMemoryError")).isEmpty(), context);
            assertEquals("", figures.group(6), "the publisher was never refused: " + context);
            assertTrue(delivered > 0, context);
            assertEquals(0, gaps, "no subscriber got a line out of order or missed one: " + context);
            assertEquals(SUBSCRIBERS - closed, complete,
                    "every subscriber still connected got every line published: " + context);
            long peakMib = Math.max(peakRssKib.get(), hwmKib(broker.pid())) / 1024;
            System.out.println("BrokerFloodIT: " + result + "; broker peak RSS " + peakMib + " MiB");
            assertTrue(peakMib <= RSS_LIMIT_MIB, "peak RSS " + peakMib + " MiB:\n" + context);

            broker.terminate();
            assertEquals(0, broker.awaitExit(Duration.ofSeconds(10)), broker.output());
        }
    }

    private static long rssKib(long pid) {
        return statusKib(pid, "VmRSS:");
    }

    /** The kernel's own record of the peak, in case it came between two samples. */
    private static long hwmKib(long pid) {
        return statusKib(pid, "VmHWM:");
    }

    private static long statusKib(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException gone) {
            // the process ended; the samples so far stand
        }
        return 0;
    }
}
