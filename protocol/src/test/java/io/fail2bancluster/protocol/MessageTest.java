package io.fail2bancluster.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageTest {

    @Test
    void parsesTheSampleInOrder() {
        Message m = Message.parse("jail=sshd, action=banip, ip=192.0.2.7");
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("jail", "sshd");
        expected.put("action", "banip");
        expected.put("ip", "192.0.2.7");
        assertEquals(expected, m.asMap());
        assertEquals(List.copyOf(expected.keySet()), m.asMap().keySet().stream().toList());
        assertEquals(3, m.size());
        assertEquals("jail=sshd, action=banip, ip=192.0.2.7", m.raw());
    }

    @Test
    void trimsSpacesAroundKeysAndValues() {
        Message m = Message.parse("  jail =  sshd ,ip=  2001:db8::1  ");
        assertEquals("sshd", m.get("jail"));
        assertEquals("2001:db8::1", m.get("ip"));
    }

    @Test
    void valueSplitsOnFirstEqualsOnly() {
        assertEquals("a=b=c", Message.parse("k=a=b=c").get("k"));
    }

    @Test
    void pairWithoutEqualsIsAKeyWithEmptyValue() {
        Message m = Message.parse("hello");
        assertEquals("", m.get("hello"));
        assertTrue(m.containsKey("hello"));
        assertNull(m.get("jail"));
    }

    @Test
    void emptyPairsAreSkipped() {
        Message m = Message.parse("a=1,, ,b=2,");
        assertEquals(List.of("a", "b"), m.asMap().keySet().stream().toList());
    }

    @Test
    void trailingCarriageReturnIsRemoved() {
        Message m = Message.parse("jail=sshd, ip=192.0.2.7\r");
        assertEquals("192.0.2.7", m.get("ip"));
        assertEquals("jail=sshd, ip=192.0.2.7", m.raw());
    }

    @Test
    void bangAndPercentInValuesAreKept() {
        Message m = Message.parse("note=a!b, ip=%jail%");
        assertEquals("a!b", m.get("note"));
        assertEquals("%jail%", m.get("ip"));
    }

    @Test
    void repeatedKeyLastWinsAndIsFlagged() {
        Message m = Message.parse("ip=1.1.1.1, ip=2.2.2.2");
        assertEquals("2.2.2.2", m.get("ip"));
        assertTrue(m.hasDuplicateKeys());
        assertEquals(2, m.size());
        assertFalse(Message.parse("a=1, b=1").hasDuplicateKeys());
    }

    @Test
    void emptyKeyIsKept() {
        Message m = Message.parse("=x, a=1");
        assertEquals("x", m.get(""));
        assertEquals("", m.keyAt(0));
    }

    @Test
    void emptyMessageHasNoPairs() {
        assertEquals(0, Message.parse("").size());
        assertEquals(0, Message.parse("\r").size());
    }

    @Test
    void indexAccessIsChecked() {
        Message m = Message.parse("a=1");
        assertEquals("a", m.keyAt(0));
        assertEquals("1", m.valueAt(0));
        assertThrows(IndexOutOfBoundsException.class, () -> m.keyAt(1));
    }
}
