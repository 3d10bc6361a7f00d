package io.fail2bancluster.config;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Splits an action's text into words the way a POSIX shell would for a simple command, and refuses
 * everything else a shell would do with it. There is no shell at run time, so an action written for
 * one (a pipe, a redirection, a second command, a command substitution) must fail at config load,
 * loudly, instead of being passed to the program as odd literal arguments at ban time.
 *
 * <p>Quoting: {@code '...'} is literal; {@code "..."} is literal except that a backslash escapes
 * {@code \ " $ `}; outside quotes a backslash escapes the next character (and a backslash-newline
 * disappears, as in a shell). Quotes that produce nothing ({@code ''}) still make an (empty) word.
 * Backticks and {@code $(} are refused inside double quotes too, because a shell would run them there.
 *
 * <p>Each word remembers which of its {@code %} characters were escaped with a backslash, so that
 * {@code \%jail%} can be written when a literal {@code %jail%} is meant.
 */
final class ActionWords {

    /** One word of the action: its text after quote removal, and the {@code %} signs that may open or close a placeholder. */
    record Word(String text, BitSet activePercents) {
    }

    private final String text;
    private final List<Word> words = new ArrayList<>();
    private final StringBuilder current = new StringBuilder();
    private final BitSet currentPercents = new BitSet();
    private boolean inWord;

    private ActionWords(String text) {
        this.text = text;
    }

    /**
     * @throws IllegalArgumentException naming the character and its column (1-based) in the text
     */
    static List<Word> split(String text) {
        ActionWords splitter = new ActionWords(text);
        splitter.run();
        if (splitter.words.isEmpty()) {
            throw new IllegalArgumentException("the action is empty; it needs at least a program to run");
        }
        return splitter.words;
    }

    private void run() {
        int i = 0;
        int length = text.length();
        while (i < length) {
            char c = text.charAt(i);
            switch (c) {
                case ' ', '\t' -> {
                    endWord();
                    i++;
                }
                case '\n', '\r' -> {
                    // A trailing newline (YAML block scalars end with one) is only white space; a
                    // newline between words would start a second command in a shell.
                    if (!text.substring(i).isBlank()) {
                        throw refused("unquoted newline", i, "a shell would start a second command there");
                    }
                    endWord();
                    i++;
                }
                case '\'' -> i = singleQuoted(i);
                case '"' -> i = doubleQuoted(i);
                case '\\' -> i = escaped(i);
                case '|', ';', '&', '>', '<', '`' -> throw refused("unquoted " + describe(c), i, null);
                case '$' -> {
                    if (i + 1 < length && text.charAt(i + 1) == '(') {
                        throw refused("unquoted '$('", i, null);
                    }
                    append(c, true);
                    i++;
                }
                default -> {
                    append(c, true);
                    i++;
                }
            }
        }
        endWord();
    }

    private int singleQuoted(int open) {
        int close = text.indexOf('\'', open + 1);
        if (close < 0) {
            throw new IllegalArgumentException("unterminated single quote opened at column " + (open + 1));
        }
        inWord = true;
        for (int i = open + 1; i < close; i++) {
            append(text.charAt(i), true);
        }
        return close + 1;
    }

    private int doubleQuoted(int open) {
        inWord = true;
        int i = open + 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\' && i + 1 < text.length() && "\\\"$`".indexOf(text.charAt(i + 1)) >= 0) {
                append(text.charAt(i + 1), true);
                i += 2;
                continue;
            }
            if (c == '`') {
                throw refused(describe(c) + " inside double quotes", i, "a shell runs it there too; write \\` for a literal one");
            }
            if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '(') {
                throw refused("'$(' inside double quotes", i, "a shell runs it there too; write \\$( for a literal one");
            }
            append(c, true);
            i++;
        }
        throw new IllegalArgumentException("unterminated double quote opened at column " + (open + 1));
    }

    private int escaped(int backslash) {
        if (backslash + 1 >= text.length()) {
            throw new IllegalArgumentException("a backslash at column " + (backslash + 1) + " ends the action; it escapes nothing");
        }
        char next = text.charAt(backslash + 1);
        if (next != '\n') {
            // An escaped '%' is plain text: the way to write a literal %name% in an argument.
            append(next, next != '%');
            inWord = true;
        }
        return backslash + 2;
    }

    private void append(char c, boolean placeholderCapable) {
        if (c == '%' && placeholderCapable) {
            currentPercents.set(current.length());
        }
        current.append(c);
        inWord = true;
    }

    private void endWord() {
        if (inWord) {
            words.add(new Word(current.toString(), (BitSet) currentPercents.clone()));
            current.setLength(0);
            currentPercents.clear();
            inWord = false;
        }
    }

    private static String describe(char c) {
        return c == '`' ? "backtick '`'" : "'" + c + "'";
    }

    private IllegalArgumentException refused(String what, int index, String why) {
        return new IllegalArgumentException(what + " at column " + (index + 1)
                + (why == null ? "" : " (" + why + ")")
                + ": actions run without a shell, so pipes, redirections, command lists and command"
                + " substitution do not work; put them in a wrapper script and call that script as the action");
    }
}
