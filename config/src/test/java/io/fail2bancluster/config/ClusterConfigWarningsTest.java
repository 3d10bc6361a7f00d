package io.fail2bancluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterConfigWarningsTest {

    private static List<String> warnings(String yaml) {
        return ConfigLoader.parse(yaml, "t.yml").warnings();
    }

    @Test
    void channelWithoutFilterRunsEveryMessage() {
        assertEquals(List.of("servers[0].channels[0] (Fail2ban): no filter, every message on this channel runs the action",
                        "servers[0].channels[0] (Fail2ban): the action uses %ip% but no filter entry constrains 'ip', "
                                + "so a publisher chooses that argument freely (strict: true makes this an error)"),
                warnings("""
                        servers:
                          - host: h
                            channels:
                              - name: Fail2ban
                                action: ban %ip%
                        """));
    }

    @Test
    void channelWithoutActionRunsNothing() {
        assertEquals(List.of("servers[0].channels[0] (c): no action, messages on this channel run nothing"),
                warnings("servers:\n  - host: h\n    channels:\n      - name: c\n"));
    }

    @Test
    void debugChannelNeverRuns() {
        assertEquals(List.of("servers[0].channels[0] (debug): this is the server's own channel; its lines never run an action"),
                warnings("servers:\n  - host: h\n    channels:\n      - name: debug\n        action: x\n"));
    }

    @Test
    void sameAddressTwice() {
        assertEquals(List.of("servers[1] (h:1986): same address as servers[0], so every message arrives twice"),
                warnings("""
                        servers:
                          - host: h
                            channels: &c
                              - name: c
                                action: x
                                filter: [{key: k, values: [v]}]
                          - host: h
                            port: 1986
                            channels: *c
                          - host: h
                            port: 1987
                            channels: *c
                        """));
    }

    @Test
    void dedupeOffWithAChannelOnSeveralServers() {
        assertEquals(List.of("dedupe_window is 0: a message published to every server carrying c runs once per server"),
                warnings("""
                        servers:
                          - host: a
                            channels: &c
                              - name: c
                                action: x
                                filter: [{key: k, values: [v]}]
                          - host: b
                            channels: *c
                        dedupe_window: 0
                        """));
    }
}
