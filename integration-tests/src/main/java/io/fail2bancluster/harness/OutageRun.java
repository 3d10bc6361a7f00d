package io.fail2bancluster.harness;

import io.fail2bancluster.agent.outbox.PublishCommand;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * {@code --restart-broker}: the broker is killed while the hosts keep banning, each ban handed to its own
 * agent (outbox and ledger, as fail2ban's action does), then started again on its port. The hosts reconnect on
 * their own backoff, in any order; whatever an outbox delivered while another host was still away reaches
 * that host through catch-up. Afterwards every host must have run every outage ban exactly once; the report
 * puts the catch-up traffic (requests and bans announced again) beside the bans it recovered.
 */
final class OutageRun {
    /**
     * What the outage came to.
     *
     * @param bans       bans made during the outage
     * @param expected   executions expected: every host runs every outage ban once, its origin included (the
     *                   harness's channel has no {@code skip_own}, so a host's own announce runs there once too)
     * @param executions executions seen
     * @param duplicates a ban run twice on a host, over the whole run
     * @param requests   catch-up requests announced
     * @param answers    bans announced again
     * @param recovered  bans a host had missed and ran from an answer
     * @param seconds    from the restart until the last execution
     */
    record Result(int bans, long expected, long executions, long duplicates, long requests, long answers,
                  long recovered, int hosts, double seconds) {
        boolean countsMatch() {
            return executions == expected && duplicates == 0;
        }

        /** The target: the traffic catch-up costs at most 2 lines per ban recovered, plus one request per host. */
        boolean withinTarget() {
            return requests + answers <= 2 * recovered + hosts;
        }

        String text() {
            return String.format(java.util.Locale.ROOT, """
                    broker restart: %d bans made during the outage, %d of %d executions (every host once, its origin included), \
                    %d duplicate(s), %.1f s from restart to the last
                    catch-up traffic: %d requests + %d bans announced again = %d lines, for %d bans recovered \
                    (target <= 2 x recovered + 1 per host = %d: %s)
                    """, bans, executions, expected, duplicates, seconds, requests, answers, requests + answers,
                    recovered, 2 * recovered + hosts, withinTarget() ? "met" : "NOT met");
        }
    }

    private OutageRun() {
    }

    /**
     * @param firstId the first outage ban's id: after every id the run used before
     * @param broker  the running broker; killed here
     * @param started takes the broker started again, for the caller to close
     */
    static Result run(Fleet fleet, BrokerProcess broker, Consumer<BrokerProcess> started, ExecutionRecorder recorder,
                      LoadOptions options, int firstId, Consumer<String> progress) throws InterruptedException {
        long[] before = fleet.catchUp();
        long executedBefore = recorder.warmupExecutions();
        long duplicatesBefore = recorder.duplicates();
        int port = broker.port();
        broker.close();
        long downAt = System.nanoTime();
        progress.accept("broker killed; " + options.outageBans + " bans handed to the hosts' agents meanwhile");
        for (int i = 0; i < options.outageBans; i++) {
            int id = firstId + i;
            int host = i % fleet.hosts();
            PublishCommand publish = fleet.agent(host).publishCommand().orElseThrow();
            PublishCommand.Reply reply = publish.apply(options.channel + " " + BanPublisher.message(id, System.nanoTime())
                    + ", source=" + Fleet.hostname(host) + ", bantime=3600");
            if (!reply.isOk()) {
                throw new IllegalStateException("host " + host + " refused an outage ban: " + reply.error().orElse("?"));
            }
        }
        long left = Duration.ofSeconds(options.restartBrokerSeconds).toNanos() - (System.nanoTime() - downAt);
        if (left > 0) {
            Thread.sleep(left / 1_000_000); // the outage itself
        }
        BrokerProcess again = BrokerProcess.start(Duration.ofSeconds(30), port);
        started.accept(again);
        long restartedAt = System.nanoTime();
        progress.accept("broker started again on port " + port);
        long expected = (long) options.outageBans * fleet.hosts();
        long lastCount = -1;
        long lastChange = System.nanoTime();
        long lastExecution = restartedAt;
        while (true) {
            Thread.sleep(200);
            long count = recorder.warmupExecutions() - executedBefore;
            long now = System.nanoTime();
            if (count != lastCount) {
                lastCount = count;
                lastChange = now;
                lastExecution = now;
                progress.accept("outage bans: " + count + " of " + expected + " executions");
            }
            // once complete, wait out the answers still to come (they would show as duplicates)
            long quiet = count >= expected ? Duration.ofSeconds(8).toNanos() : options.settleSeconds * 1_000_000_000L;
            if (now - lastChange > quiet) {
                break;
            }
        }
        long[] after = fleet.catchUp();
        return new Result(options.outageBans, expected, lastCount, recorder.duplicates() - duplicatesBefore,
                after[0] - before[0], after[1] - before[1], after[2] - before[2], fleet.hosts(),
                (lastExecution - restartedAt) / 1e9);
    }
}
