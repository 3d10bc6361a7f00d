package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.config.ClusterConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the running agent for a config: first by asking on its control socket (which also says how it
 * is doing), then by its pid file.
 */
public final class AgentLocator {

    /** What was found. */
    public sealed interface Found {
        /** @param report what the agent said, when the control socket answered */
        record Running(long pid, Optional<StatusReport> report, String socketProblem) implements Found {
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
        String socketProblem;
        try {
            ControlReply reply = ControlClient.request(config.controlSocket(), "status");
            if (reply.isOk()) {
                StatusReport report = StatusReport.fromFields(reply.fields());
                return new Found.Running(report.pid(), Optional.of(report), "");
            }
            socketProblem = "the agent answered: " + reply.error().orElseThrow();
        } catch (IOException | IllegalArgumentException e) {
            socketProblem = "control socket " + config.controlSocket() + ": " + e.getMessage();
        }
        if (config.pidFile().isEmpty()) {
            return new Found.Stopped(socketProblem);
        }
        PidFile pidFile = PidFile.of(config.pidFile().get());
        PidFile.Owner owner = pidFile.owner();
        if (owner instanceof PidFile.Owner.Live live) {
            return new Found.Running(live.pid(), Optional.empty(), socketProblem);
        }
        if (owner instanceof PidFile.Owner.Stale stale) {
            return new Found.Dead(stale.pid(), pidFile.path());
        }
        return new Found.Stopped(socketProblem);
    }
}
