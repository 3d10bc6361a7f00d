package io.fail2bancluster.agent.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConnectFailureTest {

    @Test
    void theNativeTransportsRefusalReadsAsARefusalByTheServer() {
        assertEquals("connection refused by h:1986", ConnectFailure.describe("h:1986",
                new ConnectException("finishConnect(..) failed with error(-111): Connection refused")));
        assertEquals("connection refused by h:1986", ConnectFailure.describe("h:1986",
                new ConnectException("Connection refused")));
    }

    @Test
    void otherFailuresKeepTheirReasonWithoutTheNativePrefix() {
        assertEquals("h:1986: cannot connect: No route to host", ConnectFailure.describe("h:1986",
                new ConnectException("finishConnect(..) failed with error(-113): No route to host")));
        assertEquals("h:1986: cannot connect: connection timed out after 10000 ms: h/192.0.2.1:1986",
                ConnectFailure.describe("h:1986",
                        new ConnectTimeoutException("connection timed out after 10000 ms: h/192.0.2.1:1986")));
        assertEquals("h:1986: cannot connect: unknown host", ConnectFailure.describe("h:1986",
                new UnknownHostException("h")));
        assertEquals("h:1986: cannot connect: cancelled", ConnectFailure.describe("h:1986", null));
    }

    @Test
    void secondsHaveAtMostOneDecimal() {
        assertEquals("1", ConnectFailure.seconds(Duration.ofMillis(1000)));
        assertEquals("0.2", ConnectFailure.seconds(Duration.ofMillis(200)));
        assertEquals("12.3", ConnectFailure.seconds(Duration.ofMillis(12_345)));
        assertEquals("60", ConnectFailure.seconds(Duration.ofSeconds(60)));
    }
}
