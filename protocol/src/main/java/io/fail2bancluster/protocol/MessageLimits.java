package io.fail2bancluster.protocol;

/**
 * What a received message may hold, enforced by {@link Message#parse(String, MessageLimits)} in the same
 * scan that splits it: at most {@code maxPairs} pairs, no value longer than {@code maxValueLength}
 * characters (after trimming), and, whenever limits are given, no control character other than tab
 * (NUL, CR inside the text, ESC...: no ban needs one, and a NUL cannot even be passed to a program).
 */
public record MessageLimits(int maxPairs, int maxValueLength) {
    public MessageLimits {
        if (maxPairs < 1 || maxValueLength < 1) {
            throw new IllegalArgumentException("max_pairs and max_value_length must be at least 1");
        }
    }
}
