package io.fail2bancluster.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fail2bancluster.agent.status.AgentStatus.ServerStatus;
import io.fail2bancluster.agent.status.AgentStatus;
import io.fail2bancluster.agent.status.OutboxStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusReportTest {
    /** An agent that keeps no outbox, as status shows it. */
    private static AgentStatus withoutOutbox(Instant startedAt, List<AgentStatus.ServerStatus> servers) {
        return new AgentStatus(startedAt, servers, Optional.empty());
    }

    static final Instant STARTED = Instant.parse("2025-01-02T03:04:05Z");

    static AgentStatus sample() {
        Map<String, Long> counters = new LinkedHashMap<>();
        for (int i = 0; i < StatusReport.COUNTERS.size(); i++) {
            counters.put(StatusReport.COUNTERS.get(i), (long) i + 1);
        }
        return withoutOutbox(STARTED, List.of(
                new ServerStatus("a.example:1986", "connected", Optional.of(STARTED.plusSeconds(1)), 2,
                        Optional.of(STARTED.plusSeconds(9)), counters),
                new ServerStatus("[2001:db8::1]:1986", "waiting", Optional.empty(), 7, Optional.empty(), Map.of())));
    }

    @Test
    void fieldsAreFlatKeysInAFixedOrder() {
        Map<String, String> fields = new StatusReport(42, "1.0", sample()).toFields();
        assertEquals(List.of("pid", "version", "started_at", "servers",
                "server.0.address", "server.0.state", "server.0.connected_since", "server.0.reconnects",
                "server.0.last_line_at", "server.0.received", "server.0.filtered_out", "server.0.deduplicated",
                "server.0.rejected", "server.0.executed", "server.0.failed", "server.0.timed_out", "server.0.dropped",
                "server.0.errors", "server.0.reads_paused", "server.0.reads_paused_now",
                "server.1.address", "server.1.state", "server.1.connected_since", "server.1.reconnects",
                "server.1.last_line_at", "server.1.reads_paused", "server.1.reads_paused_now",
                "actions.failing", "actions.retries", "actions.oldest_failing_at"),
                List.copyOf(fields.keySet()));
        assertEquals("-", fields.get("server.1.connected_since"));
        assertEquals("8", fields.get("server.0.dropped"));
    }

    @Test
    void survivesTheControlSocket() {
        StatusReport report = new StatusReport(42, "1.0", sample());
        ControlReply travelled = ControlReply.decode(ControlReply.ok(report.toFields()).encode().stripTrailing());
        assertEquals(report, StatusReport.fromFields(travelled.fields()));
    }

    static AgentStatus withOutbox() {
        return new AgentStatus(STARTED, sample().servers(),
                Optional.of(new OutboxStatus(3, 100000, Optional.of(STARTED.plusSeconds(60)), 40, 2, 37)));
    }

    @Test
    void theOutboxTravelsAndIsShownWithItsOldestEntrysAge() {
        StatusReport report = new StatusReport(42, "1.0", withOutbox());
        Map<String, String> fields = report.toFields();
        assertEquals("3", fields.get("outbox.depth"));
        assertEquals(STARTED.plusSeconds(60).toString(), fields.get("outbox.oldest_at"));
        assertEquals("2", fields.get("outbox.refused_full"));
        ControlReply travelled = ControlReply.decode(ControlReply.ok(fields).encode().stripTrailing());
        assertEquals(report, StatusReport.fromFields(travelled.fields()));
        String text = report.render(STARTED.plusSeconds(90));
        assertTrue(text.contains("\noutbox: 3 waiting (max 100000), oldest handed over " + STARTED.plusSeconds(60)
                + " (30 s ago)\n  accepted 40, refused (full) 2, delivered 37\n"), text);
        assertTrue(!new StatusReport(42, "1.0", sample()).render().contains("outbox"), "no outbox, no line");
    }

    @Test
    void theFleetCountTravelsAndIsShownOnlyWhenAChannelCounts() {
        StatusReport report = new StatusReport(42, "1.0", new AgentStatus(STARTED, sample().servers(), Optional.empty(),
                Optional.empty(), Optional.of(new io.fail2bancluster.agent.status.FleetBanStatus(12, 3400, 7, 1)),
                Optional.empty()));
        Map<String, String> fields = report.toFields();
        assertEquals("12", fields.get("fleet_ban.tracked"));
        assertEquals("3400", fields.get("fleet_ban.attempts"));
        assertEquals("7", fields.get("fleet_ban.bans"));
        assertEquals("1", fields.get("fleet_ban.evicted"));
        ControlReply travelled = ControlReply.decode(ControlReply.ok(fields).encode().stripTrailing());
        assertEquals(report, StatusReport.fromFields(travelled.fields()));
        assertTrue(report.render().contains(
                "\nfleet_ban: 12 address(es) tracked, 3400 attempts counted, 7 fleet bans, 1 evicted\n"), report.render());
        assertTrue(!new StatusReport(42, "1.0", sample()).render().contains("fleet_ban"), "no fleet_ban, no line");
    }

    @Test
    void aNatsServerShowsWhereItReadsTheStreamAndSurvivesTheControlSocket() {
        AgentStatus status = withoutOutbox(STARTED, List.of(new ServerStatus("nats:FAIL2BAN_CLUSTER@n1:4222",
                "connected", Optional.of(STARTED), 0, Optional.empty(), Map.of("received", 5L),
                Optional.of(new AgentStatus.NatsStatus(Optional.of("nats://n1:4222"), 4711, 12, 3)))));
        StatusReport report = new StatusReport(42, "1.0", status);
        Map<String, String> fields = report.toFields();
        assertEquals("4711", fields.get("server.0.nats.position"));
        assertEquals("12", fields.get("server.0.nats.catch_up_left"));
        assertEquals("nats://n1:4222", fields.get("server.0.nats.url"));
        ControlReply travelled = ControlReply.decode(ControlReply.ok(fields).encode().stripTrailing());
        assertEquals(report, StatusReport.fromFields(travelled.fields()));
        assertTrue(report.render().contains("  via nats://n1:4222, stream position 4711, left to catch up 12, "
                + "catch-up skipped 3\n"), report.render());
    }

    @Test
    void aReplyMissingAFieldIsRefused() {
        Map<String, String> fields = new LinkedHashMap<>(new StatusReport(42, "1.0", sample()).toFields());
        fields.remove("server.1.state");
        assertThrows(IllegalArgumentException.class, () -> StatusReport.fromFields(fields));
    }

    @Test
    void rendersEveryServerWithItsCounters() {
        String text = new StatusReport(42, "1.0", sample()).render();
        assertTrue(text.startsWith("fail2ban-clusterd 1.0 running (pid 42), started 2025-01-02T03:04:05Z\n"), text);
        assertTrue(text.contains("server a.example:1986: connected\n"
                + "  connected since 2025-01-02T03:04:06Z, reconnects 2, last line 2025-01-02T03:04:14Z\n"
                + "  received 1, filtered_out 2, deduplicated 3, rejected 4, executed 5, failed 6, timed_out 7, dropped 8, errors 9\n"),
                text);
        assertTrue(text.contains("server [2001:db8::1]:1986: waiting\n  connected since -, reconnects 7, last line -\n"),
                text);
    }

    @Test
    void theLedgerTravelsAndIsShownWithItsWriteFailure() {
        AgentStatus status = new AgentStatus(STARTED, sample().servers(), Optional.empty(), Optional.of(
                new io.fail2bancluster.agent.status.LedgerSummary(12, 100000, 10, 1, 0,
                        Optional.of("cannot write /var/lib/x: No space left on device"), 2, 3, 40, 5)));
        StatusReport report = new StatusReport(42, "1.0", status);
        Map<String, String> fields = report.toFields();
        assertEquals("12", fields.get("ledger.entries"));
        assertEquals("5", fields.get("catch_up.recovered"));
        ControlReply travelled = ControlReply.decode(ControlReply.ok(fields).encode().stripTrailing());
        assertEquals(report, StatusReport.fromFields(travelled.fields()));
        String text = report.render(STARTED);
        assertTrue(text.contains("\nledger: 12 entries (max 100000), 10 bans in force, 1 awaiting their action,"
                + " refused (full) 0\n  NOT WRITTEN: cannot write /var/lib/x: No space left on device\n"
                + "  catch-up: requests sent 2, answered 3, announced again 40, recovered 5\n"), text);
    }

    @Test
    void readsPausedByBackPressureTravelAndAreShownOnceThereWasAPause() {
        AgentStatus status = withoutOutbox(STARTED, List.of(new ServerStatus("a.example:1986", "connected",
                Optional.of(STARTED), 0, Optional.empty(), Map.of("received", 50_000L, "dropped", 0L), Optional.empty(),
                new AgentStatus.ReadPauses(3, true))));
        StatusReport report = new StatusReport(42, "1.0", status);
        Map<String, String> fields = report.toFields();
        assertEquals("3", fields.get("server.0.reads_paused"));
        assertEquals("yes", fields.get("server.0.reads_paused_now"));
        ControlReply travelled = ControlReply.decode(ControlReply.ok(fields).encode().stripTrailing());
        StatusReport back = StatusReport.fromFields(travelled.fields());
        assertEquals(report, back);
        assertEquals(Map.of("received", 50_000L, "dropped", 0L), back.status().servers().get(0).counters(),
                "not a message counter");
        assertTrue(report.render().contains("  received 50000, dropped 0\n"
                + "  reads paused by back-pressure (exec queue full) 3 times, paused now\n"), report.render());
        assertTrue(!new StatusReport(42, "1.0", sample()).render().contains("reads paused"), "never paused, no line");
    }

    @Test
    void aReplyOfAnAgentWithoutBackPressureFieldsReadsAsNeverPaused() {
        Map<String, String> fields = new LinkedHashMap<>(new StatusReport(42, "1.0", sample()).toFields());
        fields.keySet().removeIf(k -> k.contains("reads_paused"));
        assertEquals(AgentStatus.ReadPauses.NEVER, StatusReport.fromFields(fields).status().servers().get(0).readPauses());
    }

    @Test
    void failingActionsAreShownAndReadBack() {
        AgentStatus with = new AgentStatus(STARTED, sample().servers(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), new AgentStatus.Retries(3, 17, Optional.of(STARTED.plusSeconds(10))));
        StatusReport report = StatusReport.fromFields(new StatusReport(42, "1.0", with).toFields());
        assertEquals(with.retries(), report.status().retries());
        assertTrue(report.render(STARTED.plusSeconds(70)).contains("actions: 3 failing now, retried with backoff, the "
                + "oldest since " + STARTED.plusSeconds(10) + " (60 s); retries 17\n"), report.render());
        assertFalse(new StatusReport(42, "1.0", sample()).render().contains("actions:"), "said only once something failed");
    }
}
