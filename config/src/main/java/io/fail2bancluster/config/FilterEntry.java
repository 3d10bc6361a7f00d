package io.fail2bancluster.config;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One filter entry: the message's value for {@code key} must be one of {@code values} (when listed)
 * and must match {@code pattern} as a whole (when given). At least one of the two is set.
 *
 * @param path    where it stands in the file, e.g. {@code servers[0].channels[0].filter[1]}
 * @param key     the message key
 * @param values  the accepted values, in file order, compared exactly; empty when only the pattern counts
 * @param pattern a regular expression the whole value must match
 */
public record FilterEntry(String path, String key, List<String> values, Optional<Pattern> pattern) {
    public FilterEntry {
        values = List.copyOf(values);
    }

    /** An entry of the original kind: a list of values. */
    public FilterEntry(String path, String key, List<String> values) {
        this(path, key, values, Optional.empty());
    }

    public boolean accepts(String value) {
        return value != null
                && (values.isEmpty() || values.contains(value))
                && (pattern.isEmpty() || pattern.get().matcher(value).matches());
    }
}
