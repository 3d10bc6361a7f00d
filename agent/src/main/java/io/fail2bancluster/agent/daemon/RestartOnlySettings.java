package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.config.ClusterConfig;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The top-level settings a reload cannot apply to the running agent (control_socket, pid_file, exec_*,
 * reconnect_*, dedupe_window, limits...): a changed one is reported as taking effect after a restart.
 *
 * <p>Every component of {@link ClusterConfig} that is not known to be live is compared, so a key added
 * to the config later (a listen address, say) is reported rather than silently ignored until someone
 * remembers this class. A component's YAML key is its name in snake case; a nested record (the limits)
 * is compared component by component the same way.
 */
final class RestartOnlySettings {
    /** Applied by a reload: the servers (and the host name their skip_own routes use), logging, validation. */
    private static final Set<String> LIVE = Set.of("source", "servers", "logLevel", "logFile", "configuredHostname",
            "strict");

    private RestartOnlySettings() {
    }

    /** One line per changed setting that only a restart applies, in declaration order. */
    static List<String> changed(ClusterConfig running, ClusterConfig next) {
        List<String> changed = new ArrayList<>();
        for (RecordComponent component : ClusterConfig.class.getRecordComponents()) {
            if (!LIVE.contains(component.getName())) {
                compare(component, running, next, changed);
            }
        }
        return changed;
    }

    private static void compare(RecordComponent component, Record running, Record next, List<String> changed) {
        Object before = value(component, running);
        Object after = value(component, next);
        if (Objects.equals(before, after)) {
            return;
        }
        if (before instanceof Record nestedBefore && after instanceof Record nestedAfter
                && before.getClass() == after.getClass()) {
            for (RecordComponent nested : before.getClass().getRecordComponents()) {
                compare(nested, nestedBefore, nestedAfter, changed);
            }
            return;
        }
        changed.add(key(component.getName()) + " changed; takes effect after restart");
    }

    private static Object value(RecordComponent component, Record record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + component.getName(), e);
        }
    }

    /** {@code execConcurrency} -> {@code exec_concurrency}. */
    static String key(String componentName) {
        StringBuilder key = new StringBuilder();
        for (char c : componentName.toCharArray()) {
            if (Character.isUpperCase(c)) {
                key.append('_').append(Character.toLowerCase(c));
            } else {
                key.append(c);
            }
        }
        return key.toString().toLowerCase(Locale.ROOT);
    }
}
