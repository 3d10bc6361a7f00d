package io.fail2bancluster.config;

import io.fail2bancluster.protocol.Message;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An action command line split into argv once, at config load, with placeholder slots
 * ({@code %key%}, {@code %_msg%}, {@code %_channel%}) inside each argument. {@link #render} fills the
 * slots in a single pass and is the only place where message values meet the command: a value is
 * never re-scanned and never adds an argument.
 *
 * <p>Quoting follows {@link ActionWords}: it protects spaces, but placeholders are filled inside
 * quotes too ({@code "%_msg%"} is one argument holding the whole message). Write {@code \%} outside
 * quotes for a {@code %} that must never open a placeholder.
 */
public final class ActionTemplate {
    /** The whole message, as received (less a trailing CR). Takes precedence over a message key of that name. */
    public static final String WHOLE_MESSAGE = "_msg";
    /** The channel the message arrived on. Takes precedence over a message key of that name. */
    public static final String CHANNEL = "_channel";

    private static final int FROM_MESSAGE = 0;
    private static final int RAW_MESSAGE = 1;
    private static final int CHANNEL_NAME = 2;

    private final String text;
    private final ArgumentTemplate[] arguments;
    /** Placeholder names in order of first use; a slot refers to its index here. */
    private final String[] keys;
    private final int[] keySources;
    private final Set<String> placeholders;

    private ActionTemplate(String text, ArgumentTemplate[] arguments, String[] keys) {
        this.text = text;
        this.arguments = arguments;
        this.keys = keys;
        this.keySources = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            keySources[i] = switch (keys[i]) {
                case WHOLE_MESSAGE -> RAW_MESSAGE;
                case CHANNEL -> CHANNEL_NAME;
                default -> FROM_MESSAGE;
            };
        }
        this.placeholders = Collections.unmodifiableSet(new LinkedHashSet<>(List.of(keys)));
    }

    /**
     * Splits {@code text} with shell-like quoting ({@code '...'}, {@code "..."}, backslash). Unquoted
     * shell metacharacters ({@code | ; & > <}, backtick, {@code $(}) are refused: there is no shell.
     *
     * @throws IllegalArgumentException with a message that says what and where in the text
     */
    public static ActionTemplate parse(String text) {
        List<ActionWords.Word> words = ActionWords.split(text);
        Map<String, Integer> keyIndex = new LinkedHashMap<>();
        ArgumentTemplate[] arguments = new ArgumentTemplate[words.size()];
        for (int i = 0; i < arguments.length; i++) {
            arguments[i] = ArgumentTemplate.of(words.get(i), keyIndex);
        }
        if (arguments[0].hasSlots()) {
            // A message may choose arguments, never the program that runs.
            throw new IllegalArgumentException("the program (first word) '" + words.get(0).text()
                    + "' contains a placeholder; a message must never choose what runs");
        }
        return new ActionTemplate(text, arguments, keyIndex.keySet().toArray(String[]::new));
    }

    /** The text as written in the config. */
    public String text() {
        return text;
    }

    /** Placeholder names used, without the percent signs, e.g. {@code jail}, {@code _msg}; in order of first use. */
    public Set<String> placeholders() {
        return placeholders;
    }

    /** Fills the slots; {@link Rendered.Missing} when the message lacks a key the action uses. */
    public Rendered render(String channel, Message message) {
        // Every value is looked up once, before any argument is built, so a missing key costs nothing more.
        String[] values = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            String value = switch (keySources[i]) {
                case RAW_MESSAGE -> message.raw();
                case CHANNEL_NAME -> channel;
                default -> message.get(keys[i]);
            };
            if (value == null) {
                return new Rendered.Missing(keys[i]);
            }
            values[i] = value;
        }
        String[] argv = new String[arguments.length];
        for (int i = 0; i < argv.length; i++) {
            argv[i] = arguments[i].render(values);
        }
        return new Rendered.Argv(List.of(argv));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActionTemplate other && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }

    /** The outcome of {@link #render}. */
    public sealed interface Rendered {
        record Argv(List<String> argv) implements Rendered {
            public Argv {
                argv = List.copyOf(argv);
            }
        }

        record Missing(String key) implements Rendered {
        }
    }
}
