package io.fail2bancluster.config;

import io.fail2bancluster.protocol.Message;
import java.util.List;
import java.util.Set;

/**
 * An action command line split into argv once, at config load, with placeholder slots
 * ({@code %key%}, {@code %_msg%}, {@code %_channel%}) inside each argument. {@link #render} fills the
 * slots in a single pass and is the only place where message values meet the command: a value is
 * never re-scanned and never adds an argument.
 *
 * <p>STUB: signatures agreed between modules; the config work implements them.
 */
public final class ActionTemplate {

    /**
     * Splits {@code text} with shell-like quoting ({@code '...'}, {@code "..."}, backslash). Unquoted
     * shell metacharacters ({@code | ; & > <}, backtick, {@code $(}) are refused: there is no shell.
     *
     * @throws IllegalArgumentException with a message that says what and where in the text
     */
    public static ActionTemplate parse(String text) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** The text as written in the config. */
    public String text() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Placeholder names used, without the percent signs, e.g. {@code jail}, {@code _msg}. */
    public Set<String> placeholders() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Fills the slots; {@link Rendered.Missing} when the message lacks a key the action uses. */
    public Rendered render(String channel, Message message) {
        throw new UnsupportedOperationException("not implemented yet");
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
