package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeySuggestionTest {
    private static final List<String> SERVER_KEYS = List.of("host", "port", "ping_timeout", "ping_interval", "channels");

    @Test
    void usualTyposFindTheirKey() {
        assertEquals(Optional.of("ping_timeout"), KeySuggestion.nearest("pingtimeout", SERVER_KEYS));
        assertEquals(Optional.of("ping_timeout"), KeySuggestion.nearest("Ping-Timeout", SERVER_KEYS));
        assertEquals(Optional.of("host"), KeySuggestion.nearest("hsot", SERVER_KEYS));
        assertEquals(Optional.of("channels"), KeySuggestion.nearest("channel", SERVER_KEYS));
        assertEquals(Optional.of("ping_interval"), KeySuggestion.nearest("ping_intervall", SERVER_KEYS));
    }

    @Test
    void nothingCloseMeansNoSuggestion() {
        assertEquals(Optional.empty(), KeySuggestion.nearest("colour", SERVER_KEYS));
        assertEquals(Optional.empty(), KeySuggestion.nearest("tls", SERVER_KEYS));
    }

    @Test
    void distanceCountsATranspositionAsOneEdit() {
        assertEquals(1, KeySuggestion.distance("hsot", "host"));
        assertEquals(2, KeySuggestion.distance("port", "host"));
        assertEquals(0, KeySuggestion.distance("", ""));
        assertEquals(3, KeySuggestion.distance("", "abc"));
    }
}
