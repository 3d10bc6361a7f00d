package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.util.ProductVersion;
import io.fail2bancluster.util.StartFailure;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@code run}: the agent in this process until a stop is requested. Also what {@code start}'s background
 * child runs.
 *
 * <p>Order matters: the control socket first (an agent already answering on it means a second agent,
 * which would run every ban twice), then the agent, then the pid file, whose appearance tells
 * {@code start} that the agent is up. Stopping undoes it in reverse. While the agent runs, {@code reload} on
 * the control socket and SIGHUP re-read the config file (see {@link Reloader}).
 */
public final class ForegroundAgent {
    private static final Logger LOG = LogManager.getLogger(ForegroundAgent.class);
    /** How long running actions may finish after a stop; the agent kills what is left. */
    /** With the kill that may follow it and the loops' own stop, a SIGTERM ends the agent within 10 s. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);
    /** The most the stop waits for the agent: grace, the kill's wait, the loops' 2 s, and a margin. */
    private static final Duration STOP_WAIT = SHUTDOWN_GRACE.plusSeconds(3);

    private final ClusterConfig config;
    private final RunningAgent.Starter starter;
    private final PrintStream err;
    private final long pid = ProcessHandle.current().pid();
    private volatile RunningAgent agent;
    private final Reloader reloader;

    /**
     * @param configs     what a reload reads the config file with
     * @param logToStderr whether the log also goes to stderr, kept when a reload reconfigures logging
     */
    public ForegroundAgent(ClusterConfig config, ConfigSource configs, boolean logToStderr,
                           RunningAgent.Starter starter, PrintStream err) {
        this.config = config;
        this.starter = starter;
        this.err = err;
        this.reloader = new Reloader(config, configs, logToStderr);
    }

    /** Runs until {@code stop} is requested; returns the exit code. */
    public int run(StopRequest stop) throws InterruptedException {
        stop.running();
        try {
            return runUntil(stop);
        } finally {
            stop.finished();
        }
    }

    private int runUntil(StopRequest stop) throws InterruptedException {
        Optional<PidFile> pidFile = config.pidFile().map(PidFile::of);
        try {
            if (pidFile.isPresent() && pidFile.get().owner() instanceof PidFile.Owner.Live live) {
                return refuse("already running (pid " + live.pid() + ")");
            }
        } catch (IOException e) {
            return refuse("cannot read pid file " + pidFile.get().path() + ": " + e.getMessage());
        }
        config.warnings().forEach(LOG::warn);

        ControlServer control = null;
        try {
            control = ControlServer.open(config.controlSocket(),
                    Map.of("status", this::statusReply, "reload", this::reloadReply),
                    Map.of("publish", this::publishReply, "bans", this::bansReply), ControlProtocol.publishRequestLimit(config.limits().maxLine()));
        } catch (ControlServer.AlreadyServedException e) {
            return refuse("already running" + e.pid().map(p -> " (pid " + p + ")").orElse("") + ": " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.warn("control socket {} unavailable, running without it (status falls back to the pid file): {}",
                    config.controlSocket(), e.toString());
        }
        try {
            agent = starter.start(config);
        } catch (StartFailure e) {
            // a setting this host cannot honour: the message names it, a stack trace would only hide it
            LOG.error("cannot start the agent: {}", e.getMessage());
            closeQuietly(control);
            return ExitCode.FAILED;
        } catch (RuntimeException e) {
            LOG.error("cannot start the agent", e);
            closeQuietly(control);
            return ExitCode.FAILED;
        }
        try {
            if (pidFile.isPresent()) {
                pidFile.get().write(pid);
            }
        } catch (IOException e) {
            LOG.error("cannot write pid file {}: {}", pidFile.get().path(), e.toString());
            stopAgent();
            closeQuietly(control);
            return ExitCode.FAILED;
        }
        // "running" once SIGHUP reloads: a SIGHUP before the trap would end the agent (the JVM's default)
        SignalTrap.Restorer hangups = SignalTrap.on("HUP", this::reloadOnSignal);
        LOG.info("fail2ban-clusterd {} running (pid {}) with {} server(s) from {}", ProductVersion.current(), pid,
                config.servers().size() + config.natsServers().size(), config.source().map(Path::toString).orElse("(embedded config)"));
        IgnoredSignals.ofThisProcess().forEach(signal -> LOG.warn(IgnoredSignals.consequence(signal)));
        try {
            stop.awaitRequest();
        } finally {
            hangups.restore();
        }

        LOG.info("stopping: no more reading, running actions get {} s to finish", SHUTDOWN_GRACE.toSeconds());
        stopAgent();
        closeQuietly(control);
        if (pidFile.isPresent()) {
            try {
                pidFile.get().deleteIfOwnedBy(pid);
            } catch (IOException e) {
                LOG.warn("cannot remove pid file {}: {}", pidFile.get().path(), e.toString());
            }
        }
        LOG.info("stopped");
        return ExitCode.OK;
    }

    /** Said on stderr only: that is the terminal for {@code run}, and the log file for start's child. */
    private int refuse(String why) {
        err.println(why);
        return ExitCode.FAILED;
    }

    private ControlReply statusReply() {
        RunningAgent a = agent;
        if (a == null) {
            return ControlReply.error("starting");
        }
        return ControlReply.ok(new StatusReport(pid, ProductVersion.current(), a.status()).toFields());
    }

    /** Answered once the message is on disk in the outbox; refused, and counted, when the outbox is full. */
    private ControlReply publishReply(String argument) {
        RunningAgent a = agent;
        return a == null ? ControlReply.error("starting; nothing kept") : a.publish(argument);
    }

    /** The bans in force the agent knows of, for {@code fail2ban-cluster-client bans}. */
    private ControlReply bansReply(String argument) {
        RunningAgent a = agent;
        return a == null ? ControlReply.error("starting") : a.bans(argument);
    }

    private ControlReply reloadReply() {
        RunningAgent a = agent;
        return a == null ? ControlReply.error("starting") : reloader.reload(a);
    }

    /** SIGHUP: the same as {@code reload}; the outcome is only logged (by the reloader). */
    private void reloadOnSignal() {
        LOG.info("SIGHUP: reloading {}", config.source().map(Path::toString).orElse("(embedded config)"));
        reloadReply();
    }

    private void stopAgent() {
        try {
            agent.shutdown(SHUTDOWN_GRACE).get(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("the agent did not stop within {} s; exiting anyway", STOP_WAIT.toSeconds());
        } catch (ExecutionException e) {
            LOG.warn("the agent failed while stopping", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(ControlServer control) {
        if (control != null) {
            control.close();
        }
    }
}
