package io.fail2bancluster.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The original client's command lines, taken verbatim from the comments of the shared example config. */
final class CommandLines {
    static final String EXAMPLE_CONFIG = "/fail2ban-cluster.yml";
    private static final String PREFIX = "#   fail2ban-cluster-client ";

    private CommandLines() {
    }

    /** The text of the example config (a copy of /work/shared/fail2ban-cluster.yml). */
    static String exampleConfig() {
        try (InputStream in = CommandLines.class.getResourceAsStream(EXAMPLE_CONFIG)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each documented command line, split into argv as a shell would, without the program name. */
    static List<List<String>> fromExampleConfig() {
        List<List<String>> lines = new ArrayList<>();
        for (String line : exampleConfig().split("\n")) {
            if (line.startsWith(PREFIX)) {
                lines.add(shellSplit(line.substring(PREFIX.length())));
            }
        }
        return lines;
    }

    /** Enough of sh's word splitting for these lines: blanks separate words, double quotes group. */
    static List<String> shellSplit(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (char c : text.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                inWord = true;
            } else if (c == ' ' && !quoted) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unbalanced quote in " + text);
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
