package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.config.ActionTemplate.Rendered;
import io.fail2bancluster.protocol.Message;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ActionTemplateTest {

    private static final Message BAN = Message.parse("jail=sshd, action=banip, ip=192.0.2.7");

    /** The argv of an action that uses no placeholder, or whose placeholders {@link #BAN} fills. */
    private static List<String> argv(String action) {
        return argv(action, BAN);
    }

    private static List<String> argv(String action, Message message) {
        Rendered rendered = ActionTemplate.parse(action).render("Fail2ban", message);
        return assertInstanceOf(rendered).argv();
    }

    private static Rendered.Argv assertInstanceOf(Rendered rendered) {
        assertTrue(rendered instanceof Rendered.Argv, () -> "expected argv, got " + rendered);
        return (Rendered.Argv) rendered;
    }

    private static String refusal(String action) {
        return assertThrows(IllegalArgumentException.class, () -> ActionTemplate.parse(action)).getMessage();
    }

    // --- splitting ---

    @Test
    void splitsOnBlanks() {
        assertEquals(List.of("fail2ban-client", "set", "sshd", "banip", "192.0.2.7"),
                argv("  fail2ban-client\tset %jail%   %action% %ip%  "));
    }

    @Test
    void quotesProtectSpaces() {
        assertEquals(List.of("cmd", "a b", "c  d", "e f", "g'h", "i\"j"),
                argv("cmd 'a b' \"c  d\" e\\ f \"g'h\" 'i\"j'"));
    }

    @Test
    void doubleQuotesEscapeOnlyBackslashQuoteDollarAndBacktick() {
        assertEquals(List.of("cmd", "\\ \" $ ` \\n \\x"), argv("cmd \"\\\\ \\\" \\$ \\` \\n \\x\""));
    }

    @Test
    void backslashOutsideQuotesEscapesTheNextCharacter() {
        assertEquals(List.of("cmd", "a;b", "'", "n", "x|y"), argv("cmd a\\;b \\' \\n x\\|y"));
    }

    @Test
    void backslashNewlineContinuesTheLine() {
        assertEquals(List.of("cmd", "ab", "c"), argv("cmd a\\\nb c"));
    }

    @Test
    void adjacentQuotedPartsJoinIntoOneArgument() {
        assertEquals(List.of("cmd", "it's", "abc"), argv("cmd 'it'\\''s' a\"b\"'c'"));
    }

    @Test
    void emptyQuotesAreAnEmptyArgument() {
        assertEquals(List.of("cmd", "", "x", ""), argv("cmd '' x \"\""));
    }

    @Test
    void metacharactersInsideQuotesAreLiteral() {
        assertEquals(List.of("logger", "a | b; c & d > e < f", "$(x) `y`", "$(z)", "`w`", "$HOME"),
                argv("logger 'a | b; c & d > e < f' '$(x) `y`' \"\\$(z)\" \"\\`w\\`\" $HOME"));
    }

    @Test
    void trailingNewlineOfABlockScalarIsWhiteSpace() {
        assertEquals(List.of("ban", "192.0.2.7"), argv("ban %ip%\n"));
    }

    // --- refusals ---

    @Test
    void refusesEachUnquotedMetacharacterWithItsColumn() {
        assertTrue(refusal("echo a | tee f").startsWith("unquoted '|' at column 8: actions run without a shell"));
        assertTrue(refusal("ban %ip%; echo").startsWith("unquoted ';' at column 9: "));
        assertTrue(refusal("ban %ip% &").startsWith("unquoted '&' at column 10: "));
        assertTrue(refusal("ban %ip% >/dev/null").startsWith("unquoted '>' at column 10: "));
        assertTrue(refusal("ban < f").startsWith("unquoted '<' at column 5: "));
        assertTrue(refusal("ban `id`").startsWith("unquoted backtick '`' at column 5: "));
        assertTrue(refusal("ban $(id)").startsWith("unquoted '$(' at column 5: "));
        assertTrue(refusal("ban a\nunban b").startsWith("unquoted newline at column 6 "));
    }

    @Test
    void refusalSuggestsAWrapperScript() {
        assertEquals("unquoted '|' at column 10: actions run without a shell, so pipes, redirections, command lists"
                        + " and command substitution do not work; put them in a wrapper script and call that script"
                        + " as the action",
                refusal("ban %ip% | logger"));
    }

    @Test
    void refusesCommandSubstitutionInsideDoubleQuotes() {
        // A shell would run these; silently passing them literally would break an old action without a word.
        assertTrue(refusal("ban \"$(id)\"").startsWith("'$(' inside double quotes at column 6 "));
        assertTrue(refusal("ban \"`id`\"").startsWith("backtick '`' inside double quotes at column 6 "));
    }

    @Test
    void refusesMalformedText() {
        assertEquals("unterminated single quote opened at column 5", refusal("ban 'x"));
        assertEquals("unterminated double quote opened at column 5", refusal("ban \"x\\\""));
        assertEquals("a backslash at column 5 ends the action; it escapes nothing", refusal("ban \\"));
        assertEquals("the action is empty; it needs at least a program to run", refusal(""));
        assertEquals("the action is empty; it needs at least a program to run", refusal(" \t "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"%cmd% x", "/usr/bin/%cmd%", "'%_msg%'"})
    void refusesAPlaceholderInTheProgram(String action) {
        assertTrue(refusal(action).endsWith("contains a placeholder; a message must never choose what runs"));
    }

    // --- placeholders ---

    @Test
    void placeholdersFillInsideQuotedArguments() {
        assertEquals(List.of("logger", "-t", "f2b", "banned 192.0.2.7 from sshd", "ip 192.0.2.7"),
                argv("logger -t f2b \"banned %ip% from %jail%\" 'ip %ip%'"));
    }

    @Test
    void placeholdersAreListedInOrderOfFirstUse() {
        ActionTemplate action = ActionTemplate.parse("x %ip% %jail%-%ip% %_channel% %a.b-c_9%");

        assertEquals(List.of("ip", "jail", "_channel", "a.b-c_9"), List.copyOf(action.placeholders()));
    }

    @Test
    void wholeMessageAndChannel() {
        assertEquals(List.of("log", "Fail2ban", "jail=sshd, action=banip, ip=192.0.2.7"),
                argv("log %_channel% %_msg%"));
    }

    @Test
    void wholeMessageAndChannelWinOverMessageKeysOfTheSameName() {
        Message message = Message.parse("_msg=fake, _channel=other");

        assertEquals(List.of("log", "Fail2ban", "_msg=fake, _channel=other"), argv("log %_channel% %_msg%", message));
    }

    @Test
    void percentThatFormsNoPlaceholderStaysLiteral() {
        assertEquals(List.of("x", "100%", "%", "%%", "50%sshd", "%ip", "a%b c%", "%%"),
                argv("x 100% % %% 50%%jail% %ip 'a%b c%' %%"));
        assertEquals(Set.of("jail"), ActionTemplate.parse("x 100% % %% 50%%jail% %ip 'a%b c%'").placeholders());
    }

    @Test
    void escapedPercentNeverOpensAPlaceholder() {
        ActionTemplate action = ActionTemplate.parse("x \\%jail% \\%jail\\% %ip\\%");

        assertEquals(Set.of(), action.placeholders());
        assertEquals(List.of("x", "%jail%", "%jail%", "%ip%"), argv(action.text()));
    }

    @Test
    void aValueIsNeverRescanned() {
        Message message = Message.parse("jail=sshd, ip=%jail%");

        assertEquals(List.of("ban", "%jail%", "sshd"), argv("ban %ip% %jail%", message));
    }

    @Test
    void aValueNeverBecomesMoreThanOneArgument() {
        String[] values = {
            "1.2.3.4; rm -rf /", "$(reboot)", "`id`", "a b  c", "'single'", "\"double\"", "x\\ny",
            "a | b > c < d & e", "%_msg%", "",
        };
        for (String value : values) {
            Message message = Message.parse("ip=" + value);
            assertEquals(List.of("ban", value, "[" + value + "]"), argv("ban %ip% '[%ip%]'", message), value);
        }
    }

    @Test
    void backslashNInAValueStaysTwoCharacters() {
        List<String> argv = argv("ban %ip%", Message.parse("ip=a\\nb"));

        assertEquals(4, argv.get(1).length());
        assertEquals("a\\nb", argv.get(1));
    }

    @Test
    void missingKeyIsReportedNotRendered() {
        assertEquals(new Rendered.Missing("ip"),
                ActionTemplate.parse("ban %jail% %ip%").render("c", Message.parse("jail=sshd")));
        // The first key in the action's order, not the message's.
        assertEquals(new Rendered.Missing("b"),
                ActionTemplate.parse("x %b% %a%").render("c", Message.parse("hello")));
    }

    @Test
    void emptyValueIsPresent() {
        assertEquals(List.of("ban", ""), argv("ban %ip%", Message.parse("ip=")));
        assertEquals(List.of("ban", ""), argv("ban %ip%", Message.parse("ip")));
    }

    @Test
    void renderedArgvIsImmutable() {
        List<String> argv = argv("ban %ip%");

        assertThrows(UnsupportedOperationException.class, () -> argv.set(0, "rm"));
    }

    @Test
    void textEqualityAndToString() {
        ActionTemplate action = ActionTemplate.parse("ban  %ip%");

        assertEquals("ban  %ip%", action.text());
        assertEquals("ban  %ip%", action.toString());
        assertEquals(ActionTemplate.parse("ban  %ip%"), action);
        assertEquals(ActionTemplate.parse("ban  %ip%").hashCode(), action.hashCode());
    }
}
