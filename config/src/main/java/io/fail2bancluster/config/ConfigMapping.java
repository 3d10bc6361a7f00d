package io.fail2bancluster.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * A YAML mapping read key by key. Every key the loader asks for, present or not, becomes a known key;
 * {@link #finish()} then refuses whatever the file has beyond them, suggesting the nearest known key.
 * So adding a setting is one line in the loader, and its spelling is checked with no extra list:
 * {@code boolean strict = top.flag("strict", false);}, or for a nested section
 * {@code top.optional("tls").map(ConfigNode::mapping)} read the same way and closed with {@link #finish()}.
 *
 * <p>A key written with no value ({@code log_file:}) counts as absent, as it did for the original
 * daemon, which read the file into a dict and looked keys up with defaults.
 */
final class ConfigMapping {
    private final ConfigNode self;
    private final Map<String, ConfigNode> entries = new LinkedHashMap<>();
    private final Set<String> known = new LinkedHashSet<>();

    ConfigMapping(ConfigNode self, MappingNode mapping) {
        this.self = self;
        for (NodeTuple tuple : mapping.getValue()) {
            int line = ConfigNode.line(tuple.getKeyNode());
            if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                throw new ConfigException(self.source(), self.path(), "a key must be a plain word", line);
            }
            String key = keyNode.getValue();
            ConfigNode value = new ConfigNode(self.source(), childPath(key), tuple.getValueNode(), line);
            ConfigNode first = entries.putIfAbsent(key, value);
            if (first != null) {
                throw value.error("duplicate key (first on line " + first.line() + ")");
            }
        }
    }

    private String childPath(String key) {
        return self.path().isEmpty() ? key : self.path() + "." + key;
    }

    Optional<ConfigNode> optional(String key) {
        known.add(key);
        ConfigNode value = entries.get(key);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
    }

    ConfigNode required(String key) {
        known.add(key);
        ConfigNode value = entries.get(key);
        if (value == null) {
            // A misspelt required key shows up as missing; naming the misspelling is the better help.
            // Only a one-edit typo counts here: other keys of this mapping may not have been read yet.
            for (Map.Entry<String, ConfigNode> entry : entries.entrySet()) {
                if (!known.contains(entry.getKey()) && KeySuggestion.isTypo(entry.getKey(), key)) {
                    throw entry.getValue().error("unknown key, did you mean '" + key + "'?");
                }
            }
            throw new ConfigException(self.source(), childPath(key), "required key is missing", self.line());
        }
        if (value.isNull()) {
            throw value.error("needs a value");
        }
        return value;
    }

    int integer(String key, int fallback, int min, int max) {
        return optional(key).map(v -> v.integer(min, max)).orElse(fallback);
    }

    Duration seconds(String key, Duration fallback) {
        return optional(key).map(ConfigNode::seconds).orElse(fallback);
    }

    Duration secondsOrZero(String key, Duration fallback) {
        return optional(key).map(ConfigNode::secondsOrZero).orElse(fallback);
    }

    boolean flag(String key, boolean fallback) {
        return optional(key).map(ConfigNode::flag).orElse(fallback);
    }

    Optional<String> string(String key) {
        return optional(key).map(ConfigNode::string);
    }

    Optional<Path> filePath(String key) {
        return optional(key).map(ConfigNode::filePath);
    }

    Path filePath(String key, Path fallback) {
        return filePath(key).orElse(fallback);
    }

    /** An error about one key: at its line when it is in the file, else at the mapping's. */
    ConfigException error(String key, String problem) {
        ConfigNode value = entries.get(key);
        return value != null ? value.error(problem) : new ConfigException(self.source(), childPath(key), problem, self.line());
    }

    boolean contains(String key) {
        return entries.containsKey(key);
    }

    /** Call after every key has been read: the first key nobody asked for is an error. */
    void finish() {
        for (Map.Entry<String, ConfigNode> entry : entries.entrySet()) {
            if (!known.contains(entry.getKey())) {
                String problem = KeySuggestion.nearest(entry.getKey(), known)
                        .map(k -> "unknown key, did you mean '" + k + "'?")
                        .orElseGet(() -> "unknown key; the keys here are " + String.join(", ", known));
                throw entry.getValue().error(problem);
            }
        }
    }
}
