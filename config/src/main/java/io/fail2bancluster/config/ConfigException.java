package io.fail2bancluster.config;

/**
 * A configuration file that cannot be used, with the place to fix it:
 * {@code /etc/fail2ban-cluster.yml: servers[0].port: expected an integer, line 4}.
 * Unchecked because nothing can recover from it but a person editing the file.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final String path;
    private final String problem;
    private final int line;

    /**
     * @param source  the file name (or the name given to an embedded config)
     * @param path    where in the file, e.g. {@code servers[0].port}; empty for the file as a whole
     * @param problem what is wrong, phrased for the person editing the file
     * @param line    1-based line number, or 0 when there is none (the file cannot be read)
     */
    public ConfigException(String source, String path, String problem, int line) {
        this(source, path, problem, line, null);
    }

    public ConfigException(String source, String path, String problem, int line, Throwable cause) {
        super(format(source, path, problem, line), cause);
        this.source = source;
        this.path = path;
        this.problem = problem;
        this.line = line;
    }

    private static String format(String source, String path, String problem, int line) {
        StringBuilder sb = new StringBuilder(source).append(": ");
        if (!path.isEmpty()) {
            sb.append(path).append(": ");
        }
        sb.append(problem);
        if (line > 0) {
            // "did you mean 'x'? line 5" reads better than "...'x'?, line 5".
            sb.append(problem.endsWith("?") ? " " : ", ").append("line ").append(line);
        }
        return sb.toString();
    }

    public String source() {
        return source;
    }

    public String path() {
        return path;
    }

    public String problem() {
        return problem;
    }

    /** 1-based, or 0 when the error has no line. */
    public int line() {
        return line;
    }
}
