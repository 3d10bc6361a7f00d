package io.fail2bancluster.config;

import java.math.BigDecimal;
import java.time.Duration;

/** Durations as the config file writes them: seconds, possibly with decimals ({@code 60}, {@code 0.5}). */
final class Seconds {
    private Seconds() {
    }

    /** {@code 60 s}, {@code 0.5 s}: for messages that quote a configured time back to the reader. */
    static String format(Duration duration) {
        BigDecimal seconds = BigDecimal.valueOf(duration.getSeconds())
                .add(BigDecimal.valueOf(duration.getNano(), 9));
        return seconds.stripTrailingZeros().toPlainString() + " s";
    }
}
