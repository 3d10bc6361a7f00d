package io.fail2bancluster.agent;

import io.fail2bancluster.agent.daemon.ConfigSource;
import io.fail2bancluster.agent.daemon.Daemon;
import io.fail2bancluster.agent.daemon.Logging;
import io.fail2bancluster.agent.daemon.RunningAgent;
import io.fail2bancluster.agent.daemon.StopRequest;
import io.fail2bancluster.agent.daemon.SystemHooks;
import io.fail2bancluster.util.BlockingCallGuard;
import java.util.List;
import org.apache.logging.log4j.LogManager;

/** {@code fail2ban-clusterd}: see {@link Daemon}. */
public final class AgentMain {

    private AgentMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        // only the process that runs the agent (start forks "run --daemon"): status, stop and check stay quick
        if (List.of(args).contains("run") && !BlockingCallGuard.installIfRequested("fail2ban-clusterd")) {
            System.exit(1);
        }
        Logging.configureForStartup();
        StopRequest stop = SystemHooks.stopOnSignals();
        int code = new Daemon(System.out, System.err, ConfigSource.FILES, RunningAgent::start, stop).execute(args);
        LogManager.shutdown();
        System.exit(code);
    }
}
