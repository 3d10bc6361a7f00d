package io.fail2bancluster.protocol;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fail2ban-cluster message: {@code key=value} pairs separated by {@code ,}
 * ({@code jail=sshd, action=banip, ip=192.0.2.7}). Parsed once into an ordered, immutable view.
 *
 * <p>Rules: pairs are split on {@code ,}; key and value on the first {@code =}; both are trimmed of
 * spaces and tabs; a pair without {@code =} is a key with an empty value; empty pairs are skipped;
 * one trailing {@code \r} (which the reference server forwards from a CRLF publisher) is removed
 * first. When a key repeats, {@link #get} returns the last value, as the original's dict did, and
 * {@link #hasDuplicateKeys()} lets a strict reader refuse such a message instead.
 *
 * <p>Scanning is hand-written (no regex, no intermediate arrays) because it sits on the agent's hot path.
 */
public final class Message {
    private final String raw;
    private final String[] keys;
    private final String[] values;
    private final int size;
    private final boolean duplicateKeys;

    private Message(String raw, String[] keys, String[] values, int size, boolean duplicateKeys) {
        this.raw = raw;
        this.keys = keys;
        this.values = values;
        this.size = size;
        this.duplicateKeys = duplicateKeys;
    }

    public static Message parse(String text) {
        String raw = text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        int capacity = 1;
        for (int i = 0; i < raw.length(); i++) {
            if (raw.charAt(i) == ',') {
                capacity++;
            }
        }
        String[] keys = new String[capacity];
        String[] values = new String[capacity];
        int size = 0;
        boolean duplicates = false;
        int start = 0;
        int length = raw.length();
        while (start <= length) {
            int end = raw.indexOf(',', start);
            if (end < 0) {
                end = length;
            }
            int from = skipBlanks(raw, start, end);
            int to = trimBlanks(raw, from, end);
            if (from < to) {
                int eq = raw.indexOf('=', from);
                String key;
                String value;
                if (eq < 0 || eq >= to) {
                    key = raw.substring(from, to);
                    value = "";
                } else {
                    key = raw.substring(from, trimBlanks(raw, from, eq));
                    value = raw.substring(skipBlanks(raw, eq + 1, to), to);
                }
                for (int k = 0; k < size && !duplicates; k++) {
                    duplicates = keys[k].equals(key);
                }
                keys[size] = key;
                values[size] = value;
                size++;
            }
            start = end + 1;
        }
        return new Message(raw, keys, values, size, duplicates);
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static int skipBlanks(String s, int from, int to) {
        while (from < to && isBlank(s.charAt(from))) {
            from++;
        }
        return from;
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
