package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys of issue 5: pattern, strict, ignore_ip, secret_files, require_signature, the limits. */
class SecurityConfigTest {
    @TempDir
    Path dir;

    private static ClusterConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "t.yml");
    }

    private static void assertError(String expected, String yaml) {
        assertEquals(expected, assertThrows(ConfigException.class, () -> parse(yaml)).getMessage());
    }

    /** A channel whose action is {@code ban %jail% %ip%}, with the given lines under {@code name:} (8 spaces). */
    private static String channel(String lines) {
        return """
                servers:
                  - host: h
                    channels:
                      - name: Fail2ban
                        action: ban %jail% %ip%
                """ + lines.indent(8);
    }

    @Test
    void patternMustMatchTheWholeValueAndValuesMustHoldToo() {
        ChannelConfig channel = parse(channel("""
                filter:
                  - key: jail
                    values: [sshd, nginx]
                    pattern: 'ss.*'
                  - key: ip
                    pattern: '[0-9.]+'
                """)).servers().get(0).channels().get(0);
        FilterEntry jail = channel.filters().get(0);
        FilterEntry ip = channel.filters().get(1);

        assertTrue(jail.accepts("sshd"));
        assertFalse(jail.accepts("nginx"), "listed, but the pattern refuses it");
        assertFalse(jail.accepts("ssh"), "matches the pattern, but is not listed");
        assertEquals(List.of(), ip.values());
        assertTrue(ip.accepts("192.0.2.7"));
        assertFalse(ip.accepts("192.0.2.7x"), "a pattern matches the whole value, not a part");
        assertFalse(ip.accepts(null));
        assertEquals(List.of(), channel.unconstrainedPlaceholders());
    }

    @Test
    void filterEntryNeedsValuesOrAPatternAndAValidPattern() {
        assertError("t.yml: servers[0].channels[0].filter[0].values: required key is missing, line 7",
                channel("filter:\n  - key: ip\n"));
        assertError("t.yml: servers[0].channels[0].filter[0].pattern: not a valid regular expression: "
                        + "Unclosed group near index 4, line 8",
                channel("filter:\n  - key: ip\n    pattern: '(1|2'\n"));
        assertError("t.yml: servers[0].channels[0].filter[0].pattern: must not be empty, line 8",
                channel("filter:\n  - key: ip\n    pattern: ''\n"));
    }

    @Test
    void strictRefusesUnconstrainedPlaceholdersAndMessage() {
        assertError("t.yml: servers[0].channels[0].action: the action uses %ip% but no filter entry constrains 'ip', "
                        + "so a publisher chooses that argument freely; strict: true needs a filter entry (values or "
                        + "pattern) for every placeholder, line 5",
                channel("filter: [{key: jail, values: [sshd]}]\n") + "strict: true\n");
        assertError("t.yml: servers[0].channels[0].action: the action uses %_msg%, which hands the whole message to "
                        + "the action unchecked; strict: true needs a filter entry (values or pattern) for every "
                        + "placeholder, line 5",
                channel("filter: [{key: jail, values: [sshd]}, {key: ip, pattern: '[0-9.]+'}]\n")
                        .replace("ban %jail% %ip%", "ban %jail% %ip% %_msg%") + "strict: true\n");
        ClusterConfig config = parse(channel("filter: [{key: jail, values: [sshd]}, {key: ip, pattern: '[0-9.]+'}]\n")
                .replace("ban %jail% %ip%", "ban %_channel% %jail% %ip%") + "strict: true\n");
        assertTrue(config.strict());
        assertEquals(List.of(), config.warnings());
    }

    @Test
    void withoutStrictEachUnconstrainedPlaceholderIsAWarning() {
        assertEquals(List.of(
                        "servers[0].channels[0] (Fail2ban): the action uses %ip% but no filter entry constrains 'ip', "
                                + "so a publisher chooses that argument freely (strict: true makes this an error)",
                        "servers[0].channels[0] (Fail2ban): the action uses %_msg%, which hands the whole message to "
                                + "the action unchecked (strict: true makes this an error)"),
                parse(channel("filter: [{key: jail, values: [sshd]}]\n").replace("%ip%", "%ip% %_msg%")).warnings());
    }

    @Test
    void ignoreIpTakesAddressesAndBlocksOfBothFamilies() {
        ChannelConfig channel = parse(channel("ignore_ip: [192.0.2.7, 10.0.0.0/8, '2001:db8::/32', '::1']\n"))
                .servers().get(0).channels().get(0);
        assertEquals("[192.0.2.7, 10.0.0.0/8, 2001:db8::/32, ::1]", channel.ignoreIp().toString());
        assertError("t.yml: servers[0].channels[0].ignore_ip[1]: 'gateway.example.com' is not an IPv4 or IPv6 "
                        + "address or CIDR block (like 192.0.2.7, 10.0.0.0/8 or 2001:db8::/32; names are not looked up), line 6",
                channel("ignore_ip: [10.0.0.0/8, gateway.example.com]\n"));
        assertError("t.yml: servers[0].channels[0].ignore_ip[0]: '10.0.0.0/33': the prefix length must be 0 to 32, line 6",
                channel("ignore_ip: [10.0.0.0/33]\n"));
        assertError("t.yml: servers[0].channels[0].ignore_ip[0]: '10.1.2.3/8' has bits set after the prefix; "
                        + "did you mean 10.0.0.0/8? line 6",
                channel("ignore_ip: [10.1.2.3/8]\n"));
    }

    @Test
    void secretFilesAreReadAtLoadAndMustBePrivate() throws IOException {
        Path old = key("old.key", "0123456789abcdef0123456789abcdef\n", "rw-------");
        Path current = key("new.key", "fedcba9876543210", "r--------");
        ChannelConfig channel = parse(channel("secret_files: [" + current + ", " + old + "]\n"))
                .servers().get(0).channels().get(0);
        assertEquals(List.of(current, old), channel.secrets().stream().map(SigningKey::file).toList());
        assertArrayEquals("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII),
                channel.secrets().get(1).bytes(), "one trailing newline is not part of the key");
        assertTrue(channel.requireSignature());
        assertFalse(parse(channel("secret_files: [" + old + "]\nrequire_signature: false\n"))
                .servers().get(0).channels().get(0).requireSignature());

        Path open = key("open.key", "0123456789abcdef0123456789abcdef", "rw-r-----");
        assertError("t.yml: servers[0].channels[0].secret_files[0]: " + open + " is readable by its group or others "
                        + "(mode rw-r-----); make it readable by its owner only (chmod 600), line 6",
                channel("secret_files: [" + open + "]\n"));
        Path shortKey = key("short.key", "too short\n", "rw-------");
        assertError("t.yml: servers[0].channels[0].secret_files[0]: the key in " + shortKey + " is 9 bytes; at least 16 "
                        + "are needed (e.g. head -c 32 /dev/urandom | base64 > " + shortKey + "), line 6",
                channel("secret_files: [" + shortKey + "]\n"));
        assertError("t.yml: servers[0].channels[0].secret_files[0]: " + dir.resolve("none.key") + ": no such file, line 6",
                channel("secret_files: [" + dir.resolve("none.key") + "]\n"));
        assertError("t.yml: servers[0].channels[0].require_signature: only means something with secret_files "
                + "(the keys to check against), line 6", channel("require_signature: false\n"));
    }

    private Path key(String name, String text, String mode) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    @Test
    void limitsAndSignatureWindow() {
        ClusterConfig config = parse(channel("") + "max_line: 1024\nmax_pairs: 8\nmax_value_length: 64\nsignature_window: 30\n");
        assertEquals(new ClusterConfig.Limits(1024, 8, 64), config.limits());
        assertEquals(Duration.ofSeconds(30), config.signatureWindow());
        assertError("t.yml: max_line: must be between 256 and 16777216, got 100, line 6", channel("") + "max_line: 100\n");
        assertError("t.yml: max_pairs: must be between 1 and 1024, got 0, line 6", channel("") + "max_pairs: 0\n");
    }
}
