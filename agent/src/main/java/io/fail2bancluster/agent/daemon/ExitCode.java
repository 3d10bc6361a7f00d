package io.fail2bancluster.agent.daemon;

/**
 * What {@code fail2ban-clusterd} exits with. {@code status} follows the LSB init-script convention so
 * init systems and monitoring read it without a table; the other commands use 0, 1 and 2.
 */
public final class ExitCode {
    /** Done; for {@code status}: running. For {@code stop} of an agent that is not running too (LSB). */
    public static final int OK = 0;
    /** Could not do it ({@code already running}, did not stop in time, child died); {@code status}: dead, pid file left. */
    public static final int FAILED = 1;
    /** The configuration file (or the command line) is wrong; nothing was started or touched. */
    public static final int CONFIG_ERROR = 2;
    /** {@code status}: not running. */
    public static final int STATUS_STOPPED = 3;
    /** {@code status}: unknown, the configuration could not be read (LSB code 4). */
    public static final int STATUS_UNKNOWN = 4;

    private ExitCode() {
    }
}
