package io.fail2bancluster.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class BanSubjectsTest {
    private static final String STREAM = "FAIL2BAN_CLUSTER";

    @Test
    void aBanAndItsUnbanShareOneSubject() {
        String ban = BanSubjects.subject(STREAM, "Fail2ban", "jail=sshd, action=banip, ip=192.0.2.7, source=a, bantime=600");
        String unban = BanSubjects.subject(STREAM, "Fail2ban", "action=unbanip, ip=192.0.2.7, jail=sshd");
        assertEquals(ban, unban);
        assertNotEquals(ban, BanSubjects.subject(STREAM, "Fail2ban", "jail=sshd, action=banip, ip=192.0.2.8"));
        assertNotEquals(ban, BanSubjects.subject(STREAM, "Fail2ban", "jail=nginx, action=banip, ip=192.0.2.7"));
        assertNotEquals(ban, BanSubjects.subject(STREAM, "Other", "jail=sshd, action=banip, ip=192.0.2.7"));
    }

    @Test
    void aFailureReportNeverReplacesABanOfItsAddress() {
        String ban = BanSubjects.subject(STREAM, "Fail2ban", "jail=sshd, action=banip, ip=192.0.2.7, source=a");
        String attempt = BanSubjects.subject(STREAM, "Fail2ban", "jail=sshd, action=attempt, ip=192.0.2.7, source=b, failures=1");
        assertNotEquals(ban, attempt);
        java.util.Set<String> slots = new java.util.HashSet<>();
        for (int i = 0; i < 1000; i++) {
            slots.add(BanSubjects.subject(STREAM, "Fail2ban", "jail=sshd, action=attempt, ip=192.0.2.7, source=b", "id" + i));
        }
        assertEquals(BanSubjects.ATTEMPT_SLOTS, slots.size(), "a host's reports of one address: a bounded number kept");
        assertNotEquals(BanSubjects.subject(STREAM, "Fail2ban", "jail=sshd, action=attempt, ip=192.0.2.7, source=b", "x"),
                BanSubjects.subject(STREAM, "Fail2ban", "jail=sshd, action=attempt, ip=192.0.2.7, source=c", "x"),
                "another host's report never replaces this one's");
        assertEquals(ban, BanSubjects.subject(STREAM, "Fail2ban", "jail=sshd, action=banip, ip=192.0.2.7", "any id"),
                "a ban's subject does not depend on its id");
    }

    @Test
    void theKeyIsOneTokenOfFixedLengthWhateverTheAddress() {
        for (String message : new String[] {"jail=sshd, ip=2001:db8::1", "jail=a.b.*>, ip=192.0.2.7",
                "no jail here, just=" + "x".repeat(10_000)}) {
            String subject = BanSubjects.subject(STREAM, "Fail2ban", message);
            String[] tokens = subject.split("\\.", -1);
            assertEquals(3, tokens.length, subject);
            assertEquals(STREAM, tokens[0]);
            assertEquals("Fail2ban", tokens[1]);
            assertEquals(22, tokens[2].length(), subject);
            assertTrue(tokens[2].matches("[A-Za-z0-9_-]+"), subject);
        }
    }

    @Test
    void withoutJailAndIpTheWholeMessageIsTheKey() {
        assertNotEquals(BanSubjects.subject(STREAM, "c", "ip=192.0.2.7, action=banip"),
                BanSubjects.subject(STREAM, "c", "ip=192.0.2.7, action=unbanip"));
        assertEquals(BanSubjects.subject(STREAM, "c", "hello"), BanSubjects.subject(STREAM, "c", "hello"));
    }

    @Test
    void theChannelIsReadBackFromASubject() {
        assertEquals("Fail2ban", BanSubjects.channelOf(STREAM, BanSubjects.subject(STREAM, "Fail2ban", "x=1")));
        assertNull(BanSubjects.channelOf(STREAM, "OTHER.Fail2ban.k"));
        assertNull(BanSubjects.channelOf(STREAM, STREAM + "X.Fail2ban.k"));
        assertEquals(STREAM + ".>", BanSubjects.streamSubjects(STREAM));
        assertEquals(STREAM + ".Fail2ban.*", BanSubjects.channelSubjects(STREAM, "Fail2ban"));
    }

    @Test
    void messageIdsAreStablePerCallAndDistinctAcrossCalls() {
        SecureRandom random = new SecureRandom();
        byte[] call = MessageIds.newNonce(random);
        String message = "jail=sshd, action=banip, ip=192.0.2.7";
        assertEquals(MessageIds.of("Fail2ban", message, call), MessageIds.of("Fail2ban", message, call));
        assertNotEquals(MessageIds.of("Fail2ban", message, call), MessageIds.of("Fail2ban", message,
                MessageIds.newNonce(random)));
        assertNotEquals(MessageIds.of("Fail2ban", message, call), MessageIds.of("Other", message, call));
        assertNotEquals(MessageIds.of("Fail2ban", message, call), MessageIds.of("Fail2ban", message + "x", call));
    }
}
