package io.fail2bancluster.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the agent keeps its control socket and its state when the config does not say.
 * <ul>
 * <li>root (the packaged service): the system's folders, {@code /run/fail2ban-cluster/control.sock} and
 *     {@code /var/lib/fail2ban-cluster}.</li>
 * <li>any other user: the user's XDG folders, so that an agent started by hand needs no root and leaves an
 *     installed one alone: {@code $XDG_STATE_HOME/fail2ban-cluster} (default
 *     {@code ~/.local/state/fail2ban-cluster}) for the state, and {@code control.sock} in
 *     {@code $XDG_RUNTIME_DIR/fail2ban-cluster}, or in the state folder when there is no runtime folder
 *     (a session without a login, such as {@code su} or cron).</li>
 * </ul>
 * An XDG variable that is unset, empty or not an absolute path is ignored, as the XDG spec says.
 *
 * @param controlSocket the default {@code control_socket}
 * @param stateDir      the default {@code state_dir}
 * @param rule          how they were chosen, for {@code check}: "root" or the folders a user's come from
 */
public record DefaultPaths(Path controlSocket, Path stateDir, String rule) {
    /** root's: the packaged service's, which its systemd unit and the package's scripts know. */
    public static final DefaultPaths SYSTEM = new DefaultPaths(Path.of("/run/fail2ban-cluster/control.sock"),
            Path.of("/var/lib/fail2ban-cluster"), "the system's, as root");
    private static final String FOLDER = "fail2ban-cluster";
    private static final String SOCKET = "control.sock";

    /** For the user this process runs as, from its environment. */
    public static DefaultPaths forThisProcess() {
        return of(isRoot(), System.getenv(), System.getProperty("user.home"));
    }

    /**
     * @param root whether the process runs as root
     * @param env  its environment ({@code XDG_RUNTIME_DIR}, {@code XDG_STATE_HOME}, {@code HOME})
     * @param home the home folder when {@code HOME} is not set
     */
    static DefaultPaths of(boolean root, Map<String, String> env, String home) {
        if (root) {
            return SYSTEM;
        }
        Optional<Path> stateHome = absolute(env.get("XDG_STATE_HOME"));
        Path state = stateHome.orElseGet(() -> absolute(env.get("HOME")).orElse(Path.of(home))
                .resolve(".local").resolve("state")).resolve(FOLDER);
        Optional<Path> runtime = absolute(env.get("XDG_RUNTIME_DIR"));
        Path socket = runtime.map(r -> r.resolve(FOLDER)).orElse(state).resolve(SOCKET);
        String rule = "a user's (not root): "
                + (runtime.isPresent() ? "$XDG_RUNTIME_DIR/" + FOLDER : "no $XDG_RUNTIME_DIR, so the state folder")
                + " for the socket, " + (stateHome.isPresent() ? "$XDG_STATE_HOME/" : "~/.local/state/") + FOLDER
                + " for the state";
        return new DefaultPaths(socket, state, rule);
    }

    private static Optional<Path> absolute(String value) {
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        try {
            Path path = Path.of(value);
            return path.isAbsolute() ? Optional.of(path) : Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    /** Whether the effective uid is 0 (/proc/self/status's "Uid:" line); without /proc, by the user's name. */
    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    // real, effective, saved, filesystem
                    return line.substring(4).trim().split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return "root".equals(System.getProperty("user.name"));
    }
}
