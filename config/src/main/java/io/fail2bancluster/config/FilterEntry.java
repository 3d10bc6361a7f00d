package io.fail2bancluster.config;

import java.util.List;

/**
 * One filter entry: the message's value for {@code key} must be one of {@code values}.
 *
 * @param path   where it stands in the file, e.g. {@code servers[0].channels[0].filter[1]}
 * @param key    the message key
 * @param values the accepted values, in file order, compared exactly
 */
public record FilterEntry(String path, String key, List<String> values) {
    public FilterEntry {
        values = List.copyOf(values);
    }

    public boolean accepts(String value) {
        return value != null && values.contains(value);
    }
}
