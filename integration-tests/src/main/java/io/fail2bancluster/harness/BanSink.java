package io.fail2bancluster.harness;

/** Where the load test's bans go: one publish of one message to every server it targets. Thread-safe. */
interface BanSink extends AutoCloseable {

    /** How one publish went: how many servers accepted it, and the first refusal (null when none). */
    record Outcome(int accepted, String firstFailure) {
    }

    /** Servers each ban is published to: every host should receive one copy through each. */
    int servers();

    Outcome publish(String channel, String message);

    @Override
    void close();
}
