package io.fail2bancluster.agent.fanout;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A failed connect, in the words of a person rather than of the transport: Netty's native transport says
 * {@code finishConnect(..) failed with error(-111): Connection refused}, which becomes
 * {@code connection refused by HOST:PORT}.
 */
final class ConnectFailure {
    /** The native transport's prefix before the system's own words: {@code finishConnect(..) failed...: }. */
    private static final Pattern NATIVE_PREFIX = Pattern.compile("^\\w+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: ");

    private ConnectFailure() {
    }

    /** A sentence without a final stop: "connection refused by HOST:PORT" or "HOST:PORT: cannot connect: why". */
    static String describe(String address, Throwable cause) {
        if (cause == null) {
            return address + ": cannot connect: cancelled";
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        message = NATIVE_PREFIX.matcher(message).replaceFirst("");
        if (cause instanceof ConnectException && message.toLowerCase(Locale.ROOT).contains("refused")) {
            return "connection refused by " + address;
        }
        if (cause instanceof UnknownHostException) {
            return address + ": cannot connect: unknown host";
        }
        return address + ": cannot connect: " + message;
    }

    /** Seconds with at most one decimal: 1, 0.2, 12.3. */
    static String seconds(Duration delay) {
        return BigDecimal.valueOf(delay.toMillis(), 3).setScale(1, RoundingMode.HALF_UP).stripTrailingZeros()
                .toPlainString();
    }
}
