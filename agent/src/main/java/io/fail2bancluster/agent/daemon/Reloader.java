package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@code reload} and SIGHUP: re-reads the file the agent was started with and applies it, on the thread
 * that asked (the control socket's or the signal's, never the event loop). A config that does not load,
 * or cannot be applied, is rejected as a whole and the running one stays; the log file is reopened
 * either way, so log rotation never depends on the config being valid.
 *
 * <p>The reply is {@code ok} with {@code config}, then {@code change.N} and {@code warning.N} lines (a
 * setting that only a restart applies, or the config's own warnings), or an error with the loader's
 * message (file, path and line).
 */
final class Reloader {
    private static final Logger LOG = LogManager.getLogger(Reloader.class);
    /** Inside the control socket's exchange timeout, so the answer still reaches {@code reload}. */
    private static final Duration APPLY_TIMEOUT = ControlProtocol.EXCHANGE_TIMEOUT.minusSeconds(1);

    private final ConfigSource configs;
    private final boolean logToStderr;
    /** What the agent started with: the settings a reload cannot change keep these values. */
    private final ClusterConfig started;
    /** The config last applied; its log settings are the ones to reopen after a rejection. */
    private ClusterConfig current;

    /**
     * Made before the agent starts, so the class and its logger are initialised while no event loop runs
     * (log4j's logger registry takes a lock; BlockingCallGuard now allows that wait, but the loop need not
     * share it at all).
     *
     * @param logToStderr whether the log also goes to stderr (as {@code run} in the foreground does)
     */
    Reloader(ClusterConfig started, ConfigSource configs, boolean logToStderr) {
        this.started = started;
        this.current = started;
        this.configs = configs;
        this.logToStderr = logToStderr;
    }

    /** One reload at a time: the control socket and a signal may ask together. */
    synchronized ControlReply reload(RunningAgent agent) {
        Optional<Path> file = started.source();
        if (file.isEmpty()) {
            return reject("the agent runs an embedded config; there is no file to re-read");
        }
        ClusterConfig next;
        try {
            next = configs.load(file.get());
        } catch (ConfigException e) {
            return reject(e.getMessage());
        }
        if (next.logFile().isPresent()) {
            try {
                Logging.checkWritable(next.logFile().get());
            } catch (IOException e) {
                return reject("cannot open log_file " + next.logFile().get() + ": " + e);
            }
        }
        List<String> changes;
        try {
            changes = agent.reload(next).get(APPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IllegalStateException e) {
            return reject(file.get() + ": " + e.getMessage());
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("reload: the agent did not confirm the new servers in time ({})", e.toString());
            changes = List.of("the agent is still applying the servers and channels");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return reject("interrupted");
        }
        current = next;
        reopenLog(next);
        List<String> warnings = new ArrayList<>(RestartOnlySettings.changed(started, next));
        warnings.addAll(next.warnings());
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("config", file.get().toString());
        number("change", changes, fields);
        number("warning", warnings, fields);
        LOG.info("reloaded {}: {}", file.get(), String.join("; ", changes));
        warnings.forEach(w -> LOG.warn("reload: {}", w));
        return ControlReply.ok(fields);
    }

    private ControlReply reject(String why) {
        reopenLog(current);
        LOG.error("reload rejected, the running configuration stays: {}", why);
        return ControlReply.error(why);
    }

    private void reopenLog(ClusterConfig config) {
        Logging.configure(new Logging.Settings(config.logLevel(), config.logFile(), logToStderr));
    }

    private static void number(String key, List<String> lines, Map<String, String> fields) {
        for (int i = 0; i < lines.size(); i++) {
            fields.put(key + "." + (i + 1), lines.get(i));
        }
    }
}
