package io.fail2bancluster.protocol;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fail2ban-cluster message: {@code key=value} pairs separated by {@code ,}
 * ({@code jail=sshd, action=banip, ip=192.0.2.7}). Parsed once into an ordered, immutable view.
 *
 * <p>Rules: pairs are split on {@code ,}; key and value on the first {@code =}; both are trimmed of
 * spaces and tabs; a pair without {@code =} is a key with an empty value; empty pairs are skipped.
 * One trailing {@code \r} (which the reference server forwards from a CRLF publisher) is removed
 * first: this is the one place where the agent deals with that {@code \r}. When a key repeats,
 * {@link #get} returns the last value, as the original's dict did, and {@link #hasDuplicateKeys()}
 * lets a strict reader refuse such a message instead.
 *
 * <p>A received message is parsed with {@link MessageLimits}: the same single pass that splits it
 * refuses it at the first pair past the limits, so a hostile line costs at most one scan of its
 * characters and builds nothing after the problem. A refused message keeps its text for the log and
 * says why in {@link #refusal()}; it has no pairs.
 *
 * <p>Scanning is hand-written (no regex, no intermediate arrays) because it sits on the agent's hot path.
 */
public final class Message {
    private static final String[] NONE = new String[0];

    private final String raw;
    private final String[] keys;
    private final String[] values;
    private final int size;
    private final boolean duplicateKeys;
    private final String refusal;

    private Message(String raw, String[] keys, String[] values, int size, boolean duplicateKeys, String refusal) {
        this.raw = raw;
        this.keys = keys;
        this.values = values;
        this.size = size;
        this.duplicateKeys = duplicateKeys;
        this.refusal = refusal;
    }

    /** Parses a message without limits (one we build or sign ourselves). */
    public static Message parse(String text) {
        return parse(text, null);
    }

    /**
     * Parses a received message and holds it to {@code limits} in the same pass.
     *
     * @param limits null for none (and then control characters are kept as they are)
     */
    public static Message parse(String text, MessageLimits limits) {
        int length = text.endsWith("\r") ? text.length() - 1 : text.length();
        String raw = length == text.length() ? text : text.substring(0, length);
        String[] keys = new String[4];
        String[] values = new String[4];
        int size = 0;
        boolean duplicates = false;
        int start = 0;
        while (start <= length) {
            int eq = -1;
            int first = -1;
            int last = -1;
            int valueFirst = -1;
            int stop = start;
            for (; stop < length; stop++) {
                char c = raw.charAt(stop);
                if (c == ',') {
                    break;
                }
                if (limits != null && (c < 0x20 && c != '\t' || c == 0x7f)) {
                    return refused(raw, "control character " + Wire.quote(String.valueOf(c)) + " at index " + stop);
                }
                if (!isBlank(c)) {
                    if (first < 0) {
                        first = stop;
                    }
                    last = stop;
                    if (eq >= 0 && valueFirst < 0) {
                        valueFirst = stop;
                    }
                    if (c == '=' && eq < 0) {
                        eq = stop;
                    }
                }
            }
            if (first >= 0) {
                int valueLength = eq < 0 || valueFirst < 0 ? 0 : last - valueFirst + 1;
                if (limits != null) {
                    if (size + 1 > limits.maxPairs()) {
                        return refused(raw, "more than max_pairs (" + limits.maxPairs() + ") pairs");
                    }
                    if (valueLength > limits.maxValueLength()) {
                        return refused(raw, "a value of " + valueLength + " characters, more than max_value_length ("
                                + limits.maxValueLength() + ")");
                    }
                }
                String key;
                String value;
                if (eq < 0) {
                    key = raw.substring(first, last + 1);
                    value = "";
                } else {
                    key = raw.substring(first, trimBlanks(raw, first, eq));
                    value = valueLength == 0 ? "" : raw.substring(valueFirst, last + 1);
                }
                for (int k = 0; k < size && !duplicates; k++) {
                    duplicates = keys[k].equals(key);
                }
                if (size == keys.length) {
                    keys = Arrays.copyOf(keys, size * 2);
                    values = Arrays.copyOf(values, size * 2);
                }
                keys[size] = key;
                values[size] = value;
                size++;
            }
            start = stop + 1;
        }
        return new Message(raw, keys, values, size, duplicates, null);
    }

    private static Message refused(String raw, String why) {
        return new Message(raw, NONE, NONE, 0, false, why);
    }

    /** Why the limits refused this message, or null when they did not (or none were given). */
    public String refusal() {
        return refusal;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static int trimBlanks(String s, int from, int to) {
        while (to > from && isBlank(s.charAt(to - 1))) {
            to--;
        }
        return to;
    }

    /** The value of the last pair with this key, or {@code null} when there is none. */
    public String get(String key) {
        for (int i = size - 1; i >= 0; i--) {
            if (keys[i].equals(key)) {
                return values[i];
            }
        }
        return null;
    }

    public boolean containsKey(String key) {
        return get(key) != null;
    }

    /** The message as it was parsed, less a trailing {@code \r}. */
    public String raw() {
        return raw;
    }

    /** Number of pairs, repeats included. */
    public int size() {
        return size;
    }

    public String keyAt(int index) {
        checkIndex(index);
        return keys[index];
    }

    public String valueAt(int index) {
        checkIndex(index);
        return values[index];
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
    }

    public boolean hasDuplicateKeys() {
        return duplicateKeys;
    }

    /** The pairs in order, repeats included. */
    public List<Map.Entry<String, String>> pairs() {
        List<Map.Entry<String, String>> pairs = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            pairs.add(new AbstractMap.SimpleImmutableEntry<>(keys[i], values[i]));
        }
        return Collections.unmodifiableList(pairs);
    }

    /** An ordered map view (last value wins for a repeated key). */
    public Map<String, String> asMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            map.put(keys[i], values[i]);
        }
        return Collections.unmodifiableMap(map);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message other && raw.equals(other.raw);
    }

    @Override
    public int hashCode() {
        return raw.hashCode();
    }

    @Override
    public String toString() {
        return raw;
    }
}
