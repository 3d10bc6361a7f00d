package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.config.ClusterConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the running agent for a config: first by asking on its control socket (which also says how it
 * is doing), then by its pid file.
 */
public final class AgentLocator {

    /** What was found. */
    public sealed interface Found {
        /**
         * @param report        what the agent said, when the control socket answered
         * @param socketRefused the control socket file is there but nothing listens on it: the agent that
         *                      made it is gone, or the pid names a process that is not answering
         */
        record Running(long pid, Optional<StatusReport> report, String socketProblem, boolean socketRefused)
                implements Found {
        }

        /** The pid file names a process that is gone (or is not an agent). */
        record Dead(long pid, Path pidFile) implements Found {
        }

        record Stopped(String socketProblem) implements Found {
        }
    }

    private AgentLocator() {
    }

    public static Found locate(ClusterConfig config) throws IOException {
        return locate(config.controlSocket(), config.pidFile());
    }

    /** The agent that answers on {@code controlSocket}, or else the one {@code pidFile} names. */
    public static Found locate(Path controlSocket, Optional<Path> pidFile) throws IOException {
        String socketProblem;
        boolean refused = false;
        try {
            ControlReply reply = ControlClient.request(controlSocket, "status");
            if (reply.isOk()) {
                StatusReport report = StatusReport.fromFields(reply.fields());
                return new Found.Running(report.pid(), Optional.of(report), "", false);
            }
            socketProblem = "the agent answered: " + reply.error().orElseThrow();
        } catch (IOException | IllegalArgumentException e) {
            socketProblem = "control socket " + controlSocket + ": " + e.getMessage();
            refused = e instanceof ConnectException;
        }
        if (pidFile.isEmpty()) {
            return new Found.Stopped(socketProblem);
        }
        PidFile pids = PidFile.of(pidFile.get());
        PidFile.Owner owner = pids.owner();
        if (owner instanceof PidFile.Owner.Live live) {
            return new Found.Running(live.pid(), Optional.empty(), socketProblem, refused);
        }
        if (owner instanceof PidFile.Owner.Stale stale) {
            return new Found.Dead(stale.pid(), pids.path());
        }
        return new Found.Stopped(socketProblem);
    }
}
