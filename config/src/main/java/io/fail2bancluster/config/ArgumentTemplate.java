package io.fail2bancluster.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One argv entry of an action: literal text with placeholder slots between, found once at load.
 * Rendering concatenates literals and values and never looks inside a value, so a value can neither
 * form a new placeholder nor become more than this one argument.
 */
final class ArgumentTemplate {
    private final String[] literals;
    /** Index into the action's key table, for the slot that follows {@code literals[i]}. */
    private final int[] slots;
    private final int literalLength;

    private ArgumentTemplate(String[] literals, int[] slots) {
        this.literals = literals;
        this.slots = slots;
        int length = 0;
        for (String literal : literals) {
            length += literal.length();
        }
        this.literalLength = length;
    }

    /**
     * Finds the {@code %name%} placeholders of one word. A {@code %} that does not open a well-formed
     * placeholder (or was escaped) stays literal, so {@code 100%} and {@code 50%off} need no quoting.
     *
     * @param keyIndex placeholder names already seen in this action, to their slot index; new ones are added
     */
    static ArgumentTemplate of(ActionWords.Word word, Map<String, Integer> keyIndex) {
        String text = word.text();
        List<String> literals = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            int close = word.activePercents().get(i) ? placeholderEnd(word, i) : -1;
            if (close < 0) {
                literal.append(text.charAt(i++));
                continue;
            }
            literals.add(literal.toString());
            literal.setLength(0);
            String key = text.substring(i + 1, close);
            slots.add(keyIndex.computeIfAbsent(key, k -> keyIndex.size()));
            i = close + 1;
        }
        literals.add(literal.toString());
        return new ArgumentTemplate(literals.toArray(String[]::new), slots.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The index of the {@code %} closing a placeholder opened at {@code open}, or -1 when none is formed. */
    private static int placeholderEnd(ActionWords.Word word, int open) {
        String text = word.text();
        int i = open + 1;
        while (i < text.length() && isNameChar(text.charAt(i))) {
            i++;
        }
        boolean closed = i > open + 1 && i < text.length() && text.charAt(i) == '%' && word.activePercents().get(i);
        return closed ? i : -1;
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '-' || c == '.';
    }

    boolean hasSlots() {
        return slots.length > 0;
    }

    /** @param values the action's placeholder values, indexed like the key table */
    String render(String[] values) {
        if (slots.length == 0) {
            return literals[0];
        }
        int length = literalLength;
        for (int slot : slots) {
            length += values[slot].length();
        }
        StringBuilder sb = new StringBuilder(length).append(literals[0]);
        for (int i = 0; i < slots.length; i++) {
            sb.append(values[slots[i]]).append(literals[i + 1]);
        }
        return sb.toString();
    }
}
