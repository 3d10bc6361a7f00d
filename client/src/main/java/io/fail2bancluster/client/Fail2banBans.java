package io.fail2bancluster.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What fail2ban has banned, asked through {@code fail2ban-client}: the only interface fail2ban
 * guarantees (its database layout is internal). For {@code resync}.
 */
interface Fail2banBans {

    /** The addresses {@code jail} bans now. */
    List<String> banned(String jail) throws IOException;

    /** Every jail fail2ban runs. */
    List<String> jails() throws IOException;

    /** Runs the real {@code fail2ban-client}, optionally against another server's socket. */
    static Fail2banBans client(String socket) {
        return new Fail2banBans() {
            @Override
            public List<String> banned(String jail) throws IOException {
                return parseList(run(socket, "get", jail, "banned"));
            }

            @Override
            public List<String> jails() throws IOException {
                return parseJailList(run(socket, "status"));
            }
        };
    }

    /** fail2ban prints the list the Python way: {@code ['192.0.2.7', '2001:db8::1']} or {@code []}. */
    static List<String> parseList(String output) throws IOException {
        String text = output.strip();
        if (!text.startsWith("[") || !text.endsWith("]")) {
            throw new IOException("unexpected output from fail2ban-client: " + text);
        }
        List<String> items = new ArrayList<>();
        for (String item : text.substring(1, text.length() - 1).split(",")) {
            String address = item.strip();
            if (address.length() >= 2 && address.startsWith("'") && address.endsWith("'")) {
                items.add(address.substring(1, address.length() - 1));
            } else if (!address.isEmpty()) {
                throw new IOException("unexpected item in fail2ban-client's list: " + address);
            }
        }
        return items;
    }

    /** From {@code status}: {@code `- Jail list:\tsshd, sshd-cluster}. */
    static List<String> parseJailList(String output) throws IOException {
        for (String line : output.split("\n")) {
            int at = line.indexOf("Jail list:");
            if (at >= 0) {
                List<String> jails = new ArrayList<>();
                for (String jail : line.substring(at + "Jail list:".length()).split(",")) {
                    if (!jail.isBlank()) {
                        jails.add(jail.strip());
                    }
                }
                return jails;
            }
        }
        throw new IOException("no jail list in fail2ban-client status: " + output.strip());
    }

    private static String run(String socket, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("fail2ban-client"));
        if (socket != null) {
            command.add("-s");
            command.add(socket);
        }
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within 60 s");
            }
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": "
                        + output.strip());
            }
            return output;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
