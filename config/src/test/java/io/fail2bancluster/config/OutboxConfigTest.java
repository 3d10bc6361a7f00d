package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * {@code outbox_max}: how many entries the agent's outbox holds before it refuses more; {@code ledger_max}: how
 * many bans in force (and revocations) its ledger holds before it refuses more. Both kept under state_dir.
 */
class OutboxConfigTest {
    private static final String SERVERS = """
            servers:
              - host: h
                channels: [{name: Fail2ban}]
            """;

    @Test
    void defaultsToOneHundredThousand() {
        assertEquals(100_000, ConfigLoader.parse(SERVERS, "test.yml").outboxMax());
    }

    @Test
    void isReadFromTheTopLevel() {
        assertEquals(500, ConfigLoader.parse("outbox_max: 500\n" + SERVERS, "test.yml").outboxMax());
    }

    @Test
    void zeroIsAnErrorNamingTheKeyAndLine() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("outbox_max: 0\n" + SERVERS, "test.yml"));
        assertEquals("test.yml: outbox_max: must be between 1 and 10000000, got 0, line 1", e.getMessage());
    }

    @Test
    void ledgerMaxDefaultsToOneHundredThousandAndIsReadFromTheTopLevel() {
        assertEquals(100_000, ConfigLoader.parse(SERVERS, "test.yml").ledgerMax());
        assertEquals(2_000_000, ConfigLoader.parse("ledger_max: 2000000\n" + SERVERS, "test.yml").ledgerMax());
    }

    @Test
    void ledgerMaxOutOfRangeIsAnErrorNamingTheKeyAndLine() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(SERVERS + "ledger_max: 10000001\n", "test.yml"));
        assertEquals("test.yml: ledger_max: must be between 1 and 10000000, got 10000001, line 4", e.getMessage());
    }
}
