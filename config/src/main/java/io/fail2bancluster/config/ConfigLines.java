package io.fail2bancluster.config;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.reader.UnicodeReader;

/**
 * The line of each path of a config that already loaded ({@code servers[0].channels[1].action} -> 7), for
 * what {@code check} finds later on the host (a missing program, an unwritable log file): the records
 * carry paths, and lines only matter to the person reading that report. Paths are spelled as
 * {@link ConfigException} spells them.
 */
public final class ConfigLines {
    /** A config is a few levels deep; an alias that contains itself is not walked forever. */
    private static final int MAX_DEPTH = 32;
    private static final ConfigLines NONE = new ConfigLines(Map.of());

    private final Map<String, Integer> lines;

    private ConfigLines(Map<String, Integer> lines) {
        this.lines = lines;
    }

    /** The lines of the file {@code config} was loaded from; none for a config that has no file. */
    public static ConfigLines of(ClusterConfig config) {
        Optional<Path> file = config.source();
        if (file.isEmpty()) {
            return NONE;
        }
        try (Reader reader = new UnicodeReader(Files.newInputStream(file.get()))) {
            return read(reader, file.get().toString());
        } catch (IOException | ConfigException e) {
            // changed or gone since it loaded: the report goes without lines
            return NONE;
        }
    }

    public static ConfigLines of(String yaml) {
        return read(new StringReader(yaml), "config");
    }

    private static ConfigLines read(Reader reader, String source) {
        Map<String, Integer> lines = new HashMap<>();
        Node root = ConfigLoader.compose(reader, source);
        if (root != null) {
            walk(root, "", lines, 0);
        }
        return new ConfigLines(lines);
    }

    private static void walk(Node node, String path, Map<String, Integer> lines, int depth) {
        if (depth > MAX_DEPTH) {
            return;
        }
        if (node instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode key) {
                    String child = path.isEmpty() ? key.getValue() : path + "." + key.getValue();
                    lines.putIfAbsent(child, ConfigNode.line(tuple.getKeyNode()));
                    walk(tuple.getValueNode(), child, lines, depth + 1);
                }
            }
        } else if (node instanceof SequenceNode sequence) {
            for (int i = 0; i < sequence.getValue().size(); i++) {
                Node item = sequence.getValue().get(i);
                String child = path + "[" + i + "]";
                lines.putIfAbsent(child, ConfigNode.line(item));
                walk(item, child, lines, depth + 1);
            }
        }
    }

    /** 1-based, empty when the path is not in the file. */
    public OptionalInt line(String path) {
        Integer line = lines.get(path);
        return line == null ? OptionalInt.empty() : OptionalInt.of(line);
    }

    /** {@code path: problem, line N}, as a {@link ConfigException} ends. */
    public String describe(String path, String problem) {
        OptionalInt line = line(path);
        return path + ": " + problem + (line.isPresent() ? ", line " + line.getAsInt() : "");
    }
}
