package io.fail2bancluster.agent.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** nft's listing read as shape and counts, as nft 1.0.6 prints it. */
class NftListingTest {
    static final String TERSE = """
            table inet t {
            \tset s {
            \t\ttype ipv4_addr
            \t\tflags timeout
            \t}

            \tset n {
            \t\ttype ipv4_addr
            \t\tflags interval,timeout
            \t}

            \tset e {
            \t\ttype ipv4_addr
            \t\tflags timeout
            \t}

            \tchain input {
            \t\ttype filter hook input priority filter - 10; policy accept;
            \t\tip saddr @s drop
            \t}
            }
            """;

    @Test
    void theShapeIsTheTerseListingAndEachSetIsCounted() {
        String listed = TERSE
                .replace("\t\tflags timeout\n\t}\n\n\tset n", "\t\tflags timeout\n"
                        + "\t\telements = { 10.0.0.1 timeout 1m expires 59s812ms, 10.0.0.2,\n"
                        + "\t\t\t     10.0.0.3 timeout 10m expires 9m59s764ms }\n\t}\n\n\tset n")
                .replace("\t\tflags interval,timeout\n", "\t\tflags interval,timeout\n"
                        + "\t\telements = { 10.1.0.0/16 timeout 1m expires 1m, 10.2.0.0/24 }\n");
        NftListing listing = NftListing.of(listed);
        assertEquals(TERSE, listing.shape(), "a set with elements has the shape of the empty one");
        assertEquals(Map.of("s", 3, "n", 2, "e", 0), listing.elements());
        assertEquals(TERSE, NftListing.of(TERSE).shape());
        assertNull(NftListing.of(null));
    }
}
