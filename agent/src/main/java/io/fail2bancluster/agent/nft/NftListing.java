package io.fail2bancluster.agent.nft;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code nft list table} read once for the two things reconcile compares: the table's shape (the listing without
 * its {@code elements = { ... }} lines, the text {@code nft -t list table} prints: sets, flags, chain and rules)
 * and how many elements each set holds. The shape tells a deleted or changed set or rule; the counts tell a set
 * flushed or thinned behind the agent's back ({@code nft flush set}), which leaves the shape as it was.
 * Elements are counted, not parsed: an element's text ({@code 192.0.2.7 timeout 10m expires 9m58s},
 * {@code 198.51.100.0/24}) holds no comma, and a listing of 100,000 is counted in milliseconds.
 *
 * @param shape    the listing without elements
 * @param elements per set in the listing, its number of elements
 */
record NftListing(String shape, Map<String, Integer> elements) {
    private static final Pattern SET_OR_ELEMENTS =
            Pattern.compile("^\\s*set (\\S+) \\{$|^[ \\t]*elements = \\{", Pattern.MULTILINE);

    NftListing {
        elements = Map.copyOf(elements);
    }

    /** @return null when {@code listed} is (the table is not there) */
    static NftListing of(String listed) {
        if (listed == null) {
            return null;
        }
        StringBuilder shape = new StringBuilder(Math.min(listed.length(), 4096));
        Map<String, Integer> counts = new LinkedHashMap<>();
        Matcher m = SET_OR_ELEMENTS.matcher(listed);
        String set = null;
        int copied = 0;
        while (m.find()) {
            if (m.group(1) != null) {
                set = m.group(1);
                counts.put(set, 0);
                continue;
            }
            int close = listed.indexOf('}', m.end());
            if (close < 0 || set == null) {
                break;
            }
            counts.put(set, count(listed, m.end(), close));
            shape.append(listed, copied, m.start());
            copied = close + 1 < listed.length() && listed.charAt(close + 1) == '\n' ? close + 2 : close + 1;
            m.region(copied, listed.length());
        }
        shape.append(listed, copied, listed.length());
        return new NftListing(shape.toString(), counts);
    }

    /** The shape of {@code listed}, or null when it is. */
    static String shapeOf(String listed) {
        NftListing listing = of(listed);
        return listing == null ? null : listing.shape();
    }

    private static int count(String text, int from, int to) {
        int commas = 0;
        boolean any = false;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == ',') {
                commas++;
            } else if (!Character.isWhitespace(c)) {
                any = true;
            }
        }
        return any ? commas + 1 : 0;
    }
}
