package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@code ledger_max}: how many bans in force (and revocations) the agent's ledger holds before it refuses more. */
class LedgerConfigTest {
    private static final String SERVERS = """
            servers:
              - host: h
                channels: [{name: Fail2ban}]
            """;

    @Test
    void defaultsToOneHundredThousand() {
        assertEquals(100_000, ConfigLoader.parse(SERVERS, "test.yml").ledgerMax());
    }

    @Test
    void isReadFromTheTopLevel() {
        assertEquals(2_000_000, ConfigLoader.parse("ledger_max: 2000000\n" + SERVERS, "test.yml").ledgerMax());
    }

    @Test
    void outOfRangeIsAnErrorNamingTheKeyAndLine() {
        ConfigException zero = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(SERVERS + "ledger_max: 0\n", "test.yml"));
        assertEquals("test.yml: ledger_max: must be between 1 and 10000000, got 0, line 4", zero.getMessage());
        ConfigException text = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("ledger_max: lots\n" + SERVERS, "test.yml"));
        assertEquals("test.yml", text.getMessage().substring(0, 8), text.getMessage());
    }
}
