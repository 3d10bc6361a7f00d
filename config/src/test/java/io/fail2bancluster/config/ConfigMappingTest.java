package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The reader later settings build on: one call per key, spelling checked by {@link ConfigMapping#finish()}. */
class ConfigMappingTest {

    private static ConfigMapping mapping(String yaml) {
        return ConfigNode.root("t.yml", new Yaml().compose(new StringReader(yaml))).mapping();
    }

    @Test
    void flagsStringsAndNestedSections() {
        ConfigMapping top = mapping("strict: yes\nhostname: web1\ntls:\n  verify: off\n");

        assertTrue(top.flag("strict", false));
        assertEquals(Optional.of("web1"), top.string("hostname"));
        assertEquals(Optional.empty(), top.string("absent"));
        ConfigMapping tls = top.optional("tls").orElseThrow().mapping();
        assertFalse(tls.flag("verify", true));
        tls.finish();
        top.finish();
    }

    @Test
    void aFlagMustBeABoolean() {
        assertEquals("t.yml: strict: expected true or false, got 'maybe', line 1",
                assertThrows(ConfigException.class, () -> mapping("strict: maybe\n").flag("strict", false)).getMessage());
    }

    @Test
    void keysNeverAskedForAreUnknown() {
        ConfigMapping top = mapping("strict: true\nstrikt: true\n");
        top.flag("strict", false);

        assertEquals("t.yml: strikt: unknown key, did you mean 'strict'? line 2",
                assertThrows(ConfigException.class, top::finish).getMessage());
    }
}
