package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every kind of bad file, with the exact message a person would read: file, path, problem, line. */
class ConfigLoaderErrorTest {

    private static ConfigException failure(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test.yml"));
    }

    private static void assertError(String expected, String yaml) {
        assertEquals(expected, failure(yaml).getMessage());
    }

    /** One server, one channel; {@code %s} is replaced by the server's extra lines (indented 4). */
    private static String server(String extra) {
        return """
                servers:
                  - host: h
                    channels:
                      - name: c
                """ + extra.indent(4);
    }

    @Test
    void aSuccessExitThatIsNotAListOfExitStatuses() {
        assertError("test.yml: servers[0].channels[0].success_exit[1]: must be between 0 and 255, got 256, line 5",
                server("    success_exit: [1, 256]"));
        assertError("test.yml: servers[0].channels[0].success_exit[1]: listed twice, line 5",
                server("    success_exit: [1, 1]"));
        assertError("test.yml: action_retry_max: must be at least 1 s (the first retry comes 1 to 2 s after a failure), "
                + "line 1", "action_retry_max: 0.5\n" + server(""));
    }

    @Test
    void unknownKeySuggestsTheNearestKnownOne() {
        assertError("test.yml: servers[0].pingtimeout: unknown key, did you mean 'ping_timeout'? line 5",
                server("pingtimeout: 5"));
    }

    @Test
    void aBatchOutsideItsRange() {
        assertError("test.yml: servers[0].channels[0].batch: must be between 1 and 1000, got 0, line 5",
                server("    batch: 0"));
        assertError("test.yml: servers[0].channels[0].batch: must be between 1 and 1000, got 5000, line 5",
                server("    batch: 5000"));
    }

    @Test
    void unknownKeyFarFromAnyKnownOneListsThem() {
        assertError("test.yml: colour: unknown key; the keys here are strict, servers, log_level, log_file, pid_file, "
                        + "reconnect_min, reconnect_max, dedupe_window, exec_concurrency, exec_queue, exec_timeout, "
                        + "control_socket, hostname, signature_window, max_line, max_pairs, max_value_length, metrics, state_dir, outbox_max, ledger_max, nftables, action_retry_max, line 5",
                server("") + "colour: blue\n");
    }

    @Test
    void unknownKeysInChannelsAndFiltersToo() {
        assertError("test.yml: servers[0].channels[0].filters: unknown key, did you mean 'filter'? line 5",
                server("").replace("- name: c", "- name: c\n        filters: []"));
        assertError("test.yml: servers[0].channels[0].filter[0].value: unknown key, did you mean 'values'? line 7",
                server("").replace("- name: c", """
                        - name: c
                                filter:
                                  - key: jail
                                    value: [sshd]"""));
    }

    @Test
    void wrongTypes() {
        assertError("test.yml: servers[0].port: expected an integer, got 'abc', line 5", server("port: abc"));
        assertError("test.yml: servers[0].port: expected an integer, got '1.5', line 5", server("port: 1.5"));
        assertError("test.yml: servers[0].port: expected an integer, line 5", server("port: [1]"));
        assertError("test.yml: servers: expected a list, line 1", "servers: h\n");
        assertError("test.yml: servers[0].channels: expected a list, line 3", """
                servers:
                  - host: h
                    channels: {name: c}
                """);
        assertError("test.yml: servers[0].channels[0]: expected a mapping, line 4", """
                servers:
                  - host: h
                    channels:
                      - c
                """);
        assertError("test.yml: servers[0].ping_timeout: expected a number of seconds, like 60 or 0.5, got '1m', line 5",
                server("ping_timeout: 1m"));
        assertError("test.yml: servers[0].host: expected a string, line 2", """
                servers:
                  - host: [a, b]
                    channels:
                      - name: c
                """);
        assertError("test.yml: log_level: must be between 0 and 3, got 4, line 5", server("") + "log_level: 4\n");
    }

    @ParameterizedTest
    @CsvSource({"0", "70000", "-1"})
    void portOutOfRange(String port) {
        assertError("test.yml: servers[0].port: must be between 1 and 65535, got " + port + ", line 5",
                server("port: " + port));
    }

    @Test
    void missingHost() {
        assertError("test.yml: servers[0].host: required key is missing, line 2", """
                servers:
                  - port: 1234
                    channels:
                      - name: c
                """);
        assertError("test.yml: servers[0].host: needs a value, line 2", """
                servers:
                  - host:
                    channels:
                      - name: c
                """);
    }

    @Test
    void serversAndChannelsMustNotBeEmpty() {
        assertError("test.yml: servers: required key is missing, line 1", "log_level: 2\n");
        assertError("test.yml: servers: needs at least one server, line 1", "servers: []\n");
        assertError("test.yml: servers[0].channels: a server needs at least one channel, line 3", """
                servers:
                  - host: h
                    channels: []
                """);
        assertError("test.yml: servers[0].channels: required key is missing, line 2", "servers:\n  - host: h\n");
    }

    @Test
    void channelNameWithBang() {
        assertError("test.yml: servers[0].channels[0].name: channel \"Fail!2ban\" contains '!' at index 4; "
                        + "a channel may not contain '!', space, CR, LF or NUL, line 4",
                server("").replace("name: c", "name: Fail!2ban"));
    }

    @Test
    void channelNameWithSpace() {
        assertError("test.yml: servers[0].channels[0].name: channel \"Fail 2ban\" contains a space at index 4; "
                        + "a channel may not contain '!', space, CR, LF or NUL, line 4",
                server("").replace("name: c", "name: Fail 2ban"));
    }

    @Test
    void duplicateChannelOnOneServer() {
        assertError("test.yml: servers[0].channels[1].name: duplicate channel 'c' on this server "
                        + "(first at servers[0].channels[0].name, line 4), line 5",
                server("").replace("- name: c", "- name: c\n      - name: c"));
    }

    @Test
    void sameChannelOnTwoServersIsFine() {
        ConfigLoader.parse(server("") + "  - host: h2\n    channels:\n      - name: c\n", "test.yml");
    }

    @Test
    void pingIntervalMustBeShorterThanTimeout() {
        String expected = "test.yml: servers[0].ping_interval: must be less than ping_timeout (10 s), "
                + "or a quiet server would be dropped before it is pinged, line 6";
        assertError(expected, server("ping_timeout: 10\nping_interval: 10"));
        assertError(expected, server("ping_timeout: 10\nping_interval: 12.5"));
    }

    @Test
    void reconnectMinMustNotExceedMax() {
        assertError("test.yml: reconnect_min: reconnect_min (30 s) must not exceed reconnect_max (10 s), line 5",
                server("") + "reconnect_min: 30\nreconnect_max: 10\n");
        // Only the maximum written: it is the one to fix.
        assertError("test.yml: reconnect_max: reconnect_min (1 s) must not exceed reconnect_max (0.5 s), line 5",
                server("") + "reconnect_max: 0.5\n");
    }

    @Test
    void timesMustMakeSense() {
        assertError("test.yml: exec_timeout: must be more than 0 seconds, line 5", server("") + "exec_timeout: 0\n");
        assertError("test.yml: reconnect_min: must not be negative, got -1, line 5", server("") + "reconnect_min: -1\n");
        assertError("test.yml: dedupe_window: must not be negative, got -0.5, line 5",
                server("") + "dedupe_window: -0.5\n");
        assertError("test.yml: servers[0].ping_timeout: must be 0 or at least 0.001 seconds, got 0.0001, line 5",
                server("ping_timeout: 0.0001"));
        assertError("test.yml: exec_timeout: must be at most 31536000 seconds (a year), got 99999999999, line 5",
                server("") + "exec_timeout: 99999999999\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '#', quoteCharacter = '"', value = {
            "|      # a | b      # '|'      # 3",
            ";      # a ; b      # ';'      # 3",
            "&      # a & b      # '&'      # 3",
            ">      # a > b      # '>'      # 3",
            "<      # a < b      # '<'      # 3",
            "`      # a `b`      # backtick '`' # 3",
            "$(     # a $(b)     # '$('     # 3",
    })
    void shellMetacharacterInActionNamesPathAndLine(String name, String action, String described, int column) {
        String message = failure(server("").replace("- name: c", "- name: c\n        action: " + action)).getMessage();

        assertTrue(message.startsWith("test.yml: servers[0].channels[0].action: unquoted " + described
                + " at column " + column + ": actions run without a shell"), message);
        assertTrue(message.contains("wrapper script"), message);
        assertTrue(message.endsWith(", line 5"), message);
    }

    @Test
    void unterminatedQuoteInAction() {
        assertError("test.yml: servers[0].channels[0].action: unterminated double quote opened at column 5, line 5",
                server("").replace("- name: c", "- name: c\n        action: 'ban \"%ip%'"));
    }

    @Test
    void emptyAction() {
        assertError("test.yml: servers[0].channels[0].action: the action is empty; it needs at least a program "
                        + "to run, line 5",
                server("").replace("- name: c", "- name: c\n        action: \"  \""));
    }

    @Test
    void filterEntries() {
        String channel = "- name: c\n        filter:\n          ";
        assertError("test.yml: servers[0].channels[0].filter[0].key: required key is missing, line 6",
                server("").replace("- name: c", channel + "- values: [a]"));
        assertError("test.yml: servers[0].channels[0].filter[0].values: needs at least one value, line 7",
                server("").replace("- name: c", channel + "- key: jail\n            values: []"));
        assertError("test.yml: servers[0].channels[0].filter[0].values: expected a list, line 7",
                server("").replace("- name: c", channel + "- key: jail\n            values: sshd"));
        assertError("test.yml: servers[0].channels[0].filter[0].key: a message key cannot contain ',' or '=' "
                        + "or start or end with a space, line 6",
                server("").replace("- name: c", channel + "- key: jail=sshd\n            values: [x]"));
    }

    @Test
    void filterValueThatNoMessageCanHave() {
        String channel = "- name: c\n        filter:\n          - key: jail\n            values:\n              ";
        String expected = "test.yml: servers[0].channels[0].filter[0].values[1]: a message value cannot contain ','"
                + " or start or end with a space, line 9";
        assertError(expected, server("").replace("- name: c", channel + "- sshd\n              - 'a,b'"));
        assertError(expected, server("").replace("- name: c", channel + "- sshd\n              - ' sshd'"));
    }

    @Test
    void duplicateKey() {
        assertError("test.yml: servers[0].port: duplicate key (first on line 3), line 4", """
                servers:
                  - host: h
                    port: 1
                    port: 2
                    channels:
                      - name: c
                """);
    }

    @Test
    void emptyFileAndWrongTopLevel() {
        assertError("test.yml: the file is empty; it needs at least a 'servers' list, line 1", "");
        assertError("test.yml: the file is empty; it needs at least a 'servers' list, line 1", "# only a comment\n");
        assertError("test.yml: the top level must be a mapping (servers: ..., log_level: ...), line 2",
                "# a list\n- host: h\n");
        assertError("test.yml: the top level must be a mapping (servers: ..., log_level: ...), line 1", "hello\n");
    }

    @Test
    void yamlSyntaxErrorHasItsLine() {
        ConfigException e = failure("servers:\n  - host: h\n   port: 1\n");

        assertTrue(e.getMessage().startsWith("test.yml: not valid YAML: "), e.getMessage());
        assertEquals(3, e.line());
    }

    @Test
    void aliasBombIsRefused() {
        StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        char previous = 'a';
        for (char c = 'b'; c <= 'k'; c++) {
            yaml.append(c).append(": &").append(c).append(" [");
            yaml.append(("*" + previous + ", ").repeat(9)).append('*').append(previous).append("]\n");
            previous = c;
        }
        assertError("test.yml: not valid YAML: Number of aliases for non-scalar nodes exceeds the specified max=50",
                yaml.toString());
    }

    @Test
    void loadNamesAMissingFile(@TempDir Path dir) {
        Path file = dir.resolve("missing.yml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));

        assertEquals(file + ": no such file", e.getMessage());
    }

    @Test
    void loadNamesTheFileInEveryError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("f.yml");
        Files.writeString(file, server("port: x"));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));

        assertEquals(file + ": servers[0].port: expected an integer, got 'x', line 5", e.getMessage());
        assertEquals(file.toString(), e.source());
        assertEquals("servers[0].port", e.path());
        assertEquals(5, e.line());
    }

    @Test
    void loadRefusesADirectory(@TempDir Path dir) {
        assertEquals(dir + ": is a directory, not a config file",
                assertThrows(ConfigException.class, () -> ConfigLoader.load(dir)).getMessage());
    }

    @Test
    void refusesAHugeDocument(@TempDir Path dir) throws IOException {
        String huge = "servers: []\n#" + "x".repeat(ConfigLoader.MAX_CODE_POINTS) + "\n";
        String problem = ": too large for a config file (more than 1048576 characters)";
        assertEquals("test.yml" + problem, failure(huge).getMessage());

        Path file = dir.resolve("huge.yml");
        Files.writeString(file, huge);
        assertEquals(file + problem, assertThrows(ConfigException.class, () -> ConfigLoader.load(file)).getMessage());
    }

    @Test
    void loadRefusesInvalidUtf8(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("latin1.yml");
        Files.write(file, "servers:\n  - host: h\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

        assertEquals(file + ": not valid UTF-8 text",
                assertThrows(ConfigException.class, () -> ConfigLoader.load(file)).getMessage());
    }

    @Test
    void hostnameMustBeSomethingAMessageCanCarry() {
        assertError("test.yml: hostname: a host name cannot contain ',', spaces or control characters, line 5",
                server("") + "hostname: a,b\n");
        assertError("test.yml: servers[0].channels[0].skip_own: expected true or false, got 'sometimes', line 5",
                server("").replace("- name: c", "- name: c\n        skip_own: sometimes"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            70000              | '70000': the port must be 1 to 65535
            0                  | '0': the port must be 1 to 65535
            "localhost:"       | 'localhost:': the port must be 1 to 65535
            127.0.0.256:9100   | '127.0.0.256:9100': '127.0.0.256' is neither an IP address nor a host name
            bad_name:9100      | 'bad_name:9100': 'bad_name' is neither an IP address nor a host name
            "::1:9100"         | '::1:9100': write an IPv6 address in brackets, like [::1]:9100
            "[::g]:9100"       | '[::g]:9100': ::g is not an IPv6 address
            "[::1]"            | '[::1]': expected [IPv6]:PORT, like [::1]:9100
            on                 | 'on': expected PORT, HOST:PORT or [IPv6]:PORT, like 9100 or 127.0.0.1:9100
            [9100]             | expected a string
            """)
    void metricsAddressIsCheckedAtLoad(String value, String problem) {
        assertError("test.yml: metrics: " + problem + ", line 5", server("") + "metrics: " + value + "\n");
    }
}
