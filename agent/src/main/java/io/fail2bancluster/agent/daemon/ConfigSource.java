package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.config.ClusterConfig;
import io.fail2bancluster.config.ConfigException;
import io.fail2bancluster.config.ConfigLoader;
import java.nio.file.Path;

/** Where the daemon gets its config: {@link ConfigLoader#load} in production, a fixed record in tests. */
@FunctionalInterface
public interface ConfigSource {
    ConfigSource FILES = ConfigLoader::load;

    /** @throws ConfigException when the file is missing, unreadable or wrong; the message names file, path and line */
    ClusterConfig load(Path file);
}
