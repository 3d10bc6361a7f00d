package io.fail2bancluster.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code client publish} -> broker -> agent -> action, each a real process: values built to break out of
 * a command line reach the action as single literal arguments, and nothing else runs.
 */
class ActionArgvIT {
    @RegisterExtension
    final Cluster cluster = new Cluster();

    @Test
    void hostileValuesReachTheActionAsSingleLiteralArguments() throws Exception {
        new HostileBan(cluster.dir()).assertArrivesLiterallyThrough(cluster, cluster.broker());
    }
}
