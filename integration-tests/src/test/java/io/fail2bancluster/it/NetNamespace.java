package io.fail2bancluster.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace of the test's own ({@code ip netns add}), with {@code lo} up and documentation addresses
 * on it, so real packets between those addresses go through a real input hook without touching the host's
 * rules. Processes run in it with {@link #command}; deleting it takes every rule in it along.
 */
final class NetNamespace implements AutoCloseable {
    private final String name;

    private NetNamespace(String name) {
        this.name = name;
    }

    /** @return the namespace, or null with the reason in {@code why} when this host cannot make one */
    static NetNamespace create(String name, List<String> addresses, StringBuilder why) {
        NetNamespace ns = new NetNamespace(name);
        String failed = run(List.of("ip", "netns", "add", name));
        if (failed != null) {
            why.append("cannot create a network namespace (needs root and iproute2): ").append(failed);
            return null;
        }
        List<String> setup = new ArrayList<>(List.of("ip link set lo up"));
        addresses.forEach(a -> setup.add((a.contains(":") ? "ip -6 addr add " + a + " dev lo nodad" : "ip addr add " + a + " dev lo")));
        for (String step : setup) {
            failed = ns.exec(step.split(" "));
            if (failed != null) {
                ns.close();
                why.append("cannot set up the namespace (").append(step).append("): ").append(failed);
                return null;
            }
        }
        return ns;
    }

    /** {@code argv} prefixed to run inside the namespace. */
    List<String> command(List<String> argv) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", name));
        command.addAll(argv);
        return command;
    }

    /** Runs {@code argv} in the namespace; null when it exited 0, else its output. */
    String exec(String... argv) {
        return run(command(List.of(argv)));
    }

    /** Runs {@code argv} in the namespace and returns its stdout (exit status ignored). */
    String output(String... argv) {
        try {
            Process p = new ProcessBuilder(command(List.of(argv))).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    private static String run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return String.join(" ", argv) + " took over 30 s";
            }
            return p.exitValue() == 0 ? null : String.join(" ", argv) + " exited " + p.exitValue() + ": " + out.strip();
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    @Override
    public void close() {
        run(List.of("ip", "netns", "delete", name));
    }
}
