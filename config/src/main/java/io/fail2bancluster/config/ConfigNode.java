package io.fail2bancluster.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One value of the YAML tree together with its config path ({@code servers[0].port}) and line, so
 * that every conversion can fail with a message that says where. Scalars are read from their text,
 * not from YAML's guess at a type: {@code 22} and {@code "22"} are the same filter value, and
 * {@code port: "1234"} is as good as {@code port: 1234}.
 */
final class ConfigNode {
    /** Longer than any sensible setting, and short enough that no deadline computed from it overflows. */
    static final Duration MAX_TIME = Duration.ofDays(365);
    /** Shorter times are typos (or units mistaken for milliseconds), and would busy-loop timers. */
    static final Duration MIN_TIME = Duration.ofMillis(1);

    private final String source;
    private final String path;
    private final Node node;
    private final int line;

    ConfigNode(String source, String path, Node node, int line) {
        this.source = source;
        this.path = path;
        this.node = node;
        this.line = line;
    }

    static ConfigNode root(String source, Node node) {
        return new ConfigNode(source, "", node, line(node));
    }

    static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    String source() {
        return source;
    }

    String path() {
        return path;
    }

    int line() {
        return line;
    }

    ConfigException error(String problem) {
        return new ConfigException(source, path, problem, line);
    }

    /** {@code key:} with nothing after it, or {@code ~} / {@code null}. */
    boolean isNull() {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    /** A plain value (not a list or mapping, not null). */
    boolean isScalar() {
        return node instanceof ScalarNode && !isNull();
    }

    ConfigMapping mapping() {
        if (!(node instanceof MappingNode mapping)) {
            throw error("expected a mapping");
        }
        return new ConfigMapping(this, mapping);
    }

    List<ConfigNode> list() {
        if (!(node instanceof SequenceNode sequence)) {
            throw error("expected a list");
        }
        List<ConfigNode> items = new ArrayList<>(sequence.getValue().size());
        for (Node item : sequence.getValue()) {
            items.add(new ConfigNode(source, path + "[" + items.size() + "]", item, line(item)));
        }
        return items;
    }

    /** @param why the message when the list is empty, e.g. "a server needs at least one channel" */
    List<ConfigNode> nonEmptyList(String why) {
        List<ConfigNode> items = list();
        if (items.isEmpty()) {
            throw error(why);
        }
        return items;
    }

    <T> List<T> listOf(Function<ConfigNode, T> reader) {
        return list().stream().map(reader).toList();
    }

    /** Any scalar, as written; a null or a list or mapping is an error. */
    String string() {
        if (!(node instanceof ScalarNode scalar)) {
            throw error("expected a string");
        }
        if (isNull()) {
            throw error("needs a value (write \"null\" or \"~\" in quotes if that text is meant)");
        }
        return scalar.getValue();
    }

    String nonBlankString() {
        String value = string();
        if (value.isBlank()) {
            throw error("must not be empty");
        }
        return value;
    }

    int integer(int min, int max) {
        String text = scalarText("expected an integer");
        // YAML allows 10_000; that is the only spelling besides plain decimal digits we take.
        String digits = text.replace("_", "");
        if (!isDecimal(digits, false)) {
            throw error("expected an integer, got " + quoted(text));
        }
        BigDecimal value = new BigDecimal(digits);
        if (value.compareTo(BigDecimal.valueOf(min)) < 0 || value.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw error("must be between " + min + " and " + max + ", got " + text);
        }
        return value.intValue();
    }

    boolean flag() {
        String text = scalarText("expected true or false");
        return switch (text) {
            case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON" -> true;
            case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF" -> false;
            default -> throw error("expected true or false, got " + quoted(text));
        };
    }

    /** A time in seconds, more than zero. */
    Duration seconds() {
        Duration time = secondsOrZero();
        if (time.isZero()) {
            throw error("must be more than 0 seconds");
        }
        return time;
    }

    /** A time in seconds where 0 means "off". */
    Duration secondsOrZero() {
        String text = scalarText("expected a number of seconds, like 60 or 0.5");
        if (!isDecimal(text, true)) {
            throw error("expected a number of seconds, like 60 or 0.5, got " + quoted(text));
        }
        BigDecimal seconds = new BigDecimal(text);
        if (seconds.signum() < 0) {
            throw error("must not be negative, got " + text);
        }
        if (seconds.compareTo(BigDecimal.valueOf(MAX_TIME.getSeconds())) > 0) {
            throw error("must be at most " + MAX_TIME.getSeconds() + " seconds (a year), got " + text);
        }
        Duration time = Duration.ofNanos(seconds.movePointRight(9).setScale(0, RoundingMode.HALF_UP).longValueExact());
        if (!time.isZero() && time.compareTo(MIN_TIME) < 0) {
            throw error("must be 0 or at least 0.001 seconds, got " + text);
        }
        return time;
    }

    Path filePath() {
        String text = nonBlankString();
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw error("not a usable path: " + e.getReason());
        }
    }

    /** A value the file had, echoed in an error: in quotes, so that an empty or spaced one shows. */
    private static String quoted(String text) {
        return "'" + text + "'";
    }

    private String scalarText(String expected) {
        if (!(node instanceof ScalarNode scalar) || isNull()) {
            throw error(expected);
        }
        return scalar.getValue().trim();
    }

    /** Optional sign, digits, and (when allowed) one decimal point with digits after it. */
    private static boolean isDecimal(String text, boolean fraction) {
        int i = text.startsWith("-") || text.startsWith("+") ? 1 : 0;
        int digits = 0;
        boolean point = false;
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
            } else if (c == '.' && fraction && !point && digits > 0) {
                point = true;
                digits = 0;
            } else {
                return false;
            }
        }
        return digits > 0;
    }
}
