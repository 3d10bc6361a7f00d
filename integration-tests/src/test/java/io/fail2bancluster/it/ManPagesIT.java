package io.fail2bancluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The man pages (dist/src/man) and bash completions (dist/src/completion) agree with what each shipped
 * command's {@code --help} prints, whatever it prints: every option there is in the man page and in the
 * completion, and every option the man page describes is one {@code --help} knows. Each command is run
 * with the main class its launcher in dist/src/bin names, so a moved class is followed too.
 */
class ManPagesIT {
    private static final Path DIST = Path.of("..", "dist", "src");
    private static final Pattern LAUNCHED_MAIN = Pattern.compile("launcher\\.sh\"? +([\\w.]+)");
    /** An option name as a word of its own: {@code --config}, {@code -c}, not the {@code -client} in a name. */
    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])(--?[a-zA-Z][\\w-]*)");
    /** A man page's definition of an option: {@code *--config* _FILE_::} or {@code *-c*, *--config* _FILE_::}. */
    private static final Pattern DEFINED = Pattern.compile("^(\\*-.*)::$", Pattern.MULTILINE);

    @ParameterizedTest(name = "{0}({1})")
    @CsvSource({
        "fail2ban-clusterd, 8, ''",
        "fail2ban-cluster-client, 1, resync ban unban import bans",
        "fail2ban-cluster-broker, 8, ''",
        "fail2ban-cluster-loadtest, 1, ''",
    })
    void everyOptionOfHelpIsInTheManPageAndTheManPageNamesNoOther(String command, int section, String subcommands)
            throws Exception {
        List<String> helps = new ArrayList<>();
        helps.add(help(command));
        for (String each : subcommands.isEmpty() ? new String[0] : subcommands.split(" ")) {
            helps.add(help(command, each));
        }
        String allHelp = String.join("\n", helps);
        Set<String> helpOptions = new LinkedHashSet<>();
        helps.forEach(h -> helpOptions.addAll(optionsOf(h)));
        assertFalse(helpOptions.isEmpty(), "no option found in the --help of " + command + ":\n" + allHelp);

        Path page = DIST.resolve("man").resolve(command + "." + section + ".adoc");
        String man = Files.readString(page);
        for (String option : helpOptions) {
            assertTrue(man.contains("*" + option + "*"),
                    page + " does not describe " + option + ", which --help prints:\n" + allHelp);
        }
        Matcher defined = DEFINED.matcher(man);
        int definitions = 0;
        while (defined.find()) {
            for (String option : optionNames(defined.group(1))) {
                definitions++;
                assertTrue(Pattern.compile("(?<![\\w-])" + Pattern.quote(option) + "(?![\\w-])").matcher(allHelp).find(),
                        page + " describes " + option + ", which --help does not know:\n" + allHelp);
            }
        }
        assertTrue(definitions >= helpOptions.size(), page + ": fewer option definitions than --help has options");

        Path completion = DIST.resolve("completion").resolve(command);
        if (!command.equals("fail2ban-cluster-loadtest")) {  // not on the PATH, so no completion
            Set<String> completed = new LinkedHashSet<>(optionNames(Files.readString(completion)));
            for (String option : helpOptions) {
                assertTrue(completed.contains(option), completion + " does not complete " + option);
            }
        }
    }

    /**
     * The options of a --help text: the names on its option lines, the lines that start with a dash
     * (JCommander's {@code --config, -c}, the client's {@code -c, --channel CHANNEL   text}), up to the
     * gap before the description; prose that mentions an option is left alone.
     */
    static Set<String> optionsOf(String help) {
        Set<String> options = new LinkedHashSet<>();
        for (String line : help.split("\n")) {
            String stripped = line.strip();
            if (stripped.startsWith("-")) {
                options.addAll(optionNames(stripped.split(" {2,}", 2)[0]));
            }
        }
        return options;
    }

    private static List<String> optionNames(String text) {
        List<String> names = new ArrayList<>();
        Matcher m = OPTION.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static String help(String command, String... before) throws IOException, ClassNotFoundException {
        Class<?> main = Class.forName(mainClassOf(command), false, ManPagesIT.class.getClassLoader());
        String[] args = new String[before.length + 1];
        System.arraycopy(before, 0, args, 0, before.length);
        args[before.length] = "--help";
        try (JavaProcess process = JavaProcess.start(command, main, args)) {
            int status = process.awaitExit(Duration.ofSeconds(60));
            assertEquals(0, status, command + " " + String.join(" ", args) + " failed:\n" + process.output());
            assertFalse(process.stdout().isEmpty(), command + " " + String.join(" ", args) + " printed nothing:\n"
                    + process.output());
            return String.join("\n", process.stdout());
        }
    }

    /** The class the launcher's {@code exec .../launcher.sh CLASS "$@"} runs (the client's CDS training is another). */
    private static String mainClassOf(String command) throws IOException {
        Path launcher = DIST.resolve("bin").resolve(command);
        for (String line : Files.readAllLines(launcher)) {
            Matcher m = LAUNCHED_MAIN.matcher(line);
            if (line.contains("exec ") && m.find()) {
                return m.group(1);
            }
        }
        throw new AssertionError(launcher + " execs no main class through launcher.sh");
    }
}
