package io.fail2bancluster.agent.daemon;

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
