package io.fail2bancluster.agent.nft;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The nft script of a batch of element operations. Consecutive operations of one kind on one set become one
 * statement (one {@code add element} with every element of a burst parses far faster than one statement
 * each); order between a ban and an unban of the same address is kept. An unban adds its element before
 * deleting it, so an address that is not (or no longer) in the set does not fail the whole transaction.
 * An {@code add} of an element already in the set renews its timeout (the kernel updates it); it is never
 * a second element.
 */
final class NftBatch {
    private NftBatch() {
    }

    static String script(String table, List<NftOp> ops, Instant now) {
        StringBuilder out = new StringBuilder(ops.size() * 40 + 64);
        int i = 0;
        while (i < ops.size()) {
            NftOp first = ops.get(i);
            Map<String, String> elements = new LinkedHashMap<>();
            int j = i;
            while (j < ops.size() && ops.get(j).set().equals(first.set()) && ops.get(j).isBan() == first.isBan()) {
                NftOp op = ops.get(j);
                elements.put(op.element().canonical(), first.isBan() ? op.added(now) : op.element().canonical());
                j++;
            }
            String target = table + " " + first.set() + " { ";
            String list = String.join(", ", elements.values());
            out.append("add element ").append(target).append(list).append(" }\n");
            if (!first.isBan()) {
                out.append("delete element ").append(target).append(list).append(" }\n");
            }
            i = j;
        }
        return out.toString();
    }

    /** Elements of {@code ops} as chunks small enough for one script each. */
    static <T> List<List<T>> chunks(List<T> all, int size) {
        List<List<T>> chunks = new ArrayList<>();
        for (int i = 0; i < all.size(); i += size) {
            chunks.add(all.subList(i, Math.min(all.size(), i + size)));
        }
        return chunks;
    }
}
