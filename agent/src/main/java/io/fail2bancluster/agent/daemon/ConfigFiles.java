package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.config.ClusterConfig;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;

/**
 * Reads the config file for the daemon.
 *
 * <p>TEMPORARY: calls {@code ConfigLoader.load} reflectively until the config module's loader lands on
 * main; then this becomes a plain call that turns {@code ConfigException} into {@link Invalid}.
 */
public final class ConfigFiles {

    private ConfigFiles() {
    }

    /** @throws Invalid with the loader's message (file, path, line) */
    public static ClusterConfig load(Path file) {
        try {
            return (ClusterConfig) Class.forName("io.fail2bancluster.config.ConfigLoader")
                    .getMethod("load", Path.class).invoke(null, file);
        } catch (InvocationTargetException e) {
            if (e.getCause().getClass().getSimpleName().equals("ConfigException")) {
                throw new Invalid(e.getCause().getMessage());
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new Invalid(file + ": cannot be read: the config loader is not built yet");
        }
    }

    /** Loads configs; {@link ConfigFiles#load} in production. */
    @FunctionalInterface
    public interface Source {
        /** @throws Invalid when the file is missing, unreadable or wrong */
        ClusterConfig load(Path file);
    }

    /** The file is missing, unreadable or wrong; the message names file, path and line. */
    public static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Invalid(String message) {
            super(message);
        }
    }
}
