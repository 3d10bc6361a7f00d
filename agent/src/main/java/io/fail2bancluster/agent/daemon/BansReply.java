package io.fail2bancluster.agent.daemon;

import io.fail2bancluster.agent.ledger.LedgerEntry;
import io.fail2bancluster.agent.ledger.LedgerQuery;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The control socket's {@code bans [channel=C] [jail=J] [ip=A]}: the bans in force this agent knows of (its
 * ledger's), for {@code fail2ban-cluster-client bans}. The reply is {@code count: N}, then one field per ban,
 * the soonest to end first: {@code ban.1: ADDRESS JAIL SOURCE SINCE UNTIL CHANNEL}, times in epoch seconds,
 * UNTIL {@code permanent} for a ban without end, SOURCE {@code -} when unknown. No field holds a space of its
 * own: addresses, channels and host names have none, and fail2ban's jail names neither. Owner-only, as the
 * socket is.
 */
final class BansReply {
    private BansReply() {
    }

    /**
     * @param inForce the ledger's query ({@code Ledger::inForce}): the bans in force it selects, soonest end first
     */
    static ControlReply answer(String argument, Function<LedgerQuery, List<LedgerEntry>> inForce) {
        LedgerQuery query;
        try {
            query = query(argument);
        } catch (IllegalArgumentException e) {
            return ControlReply.error(e.getMessage());
        }
        List<LedgerEntry> bans = inForce.apply(query);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("count", Integer.toString(bans.size()));
        int n = 0;
        for (LedgerEntry ban : bans) {
            fields.put("ban." + ++n, ban.address().canonical() + ' ' + word(ban.jail()) + ' ' + word(ban.origin()) + ' '
                    + ban.start().getEpochSecond() + ' '
                    + ban.end().map(end -> Long.toString(end.getEpochSecond())).orElse("permanent") + ' '
                    + word(ban.channel()));
        }
        return ControlReply.ok(fields);
    }

    /** {@code channel=C jail=J ip=A}, each optional, in any order. */
    static LedgerQuery query(String argument) {
        LedgerQuery query = LedgerQuery.ALL;
        for (String word : argument.strip().split(" +")) {
            if (word.isEmpty()) {
                continue;
            }
            int eq = word.indexOf('=');
            String key = eq < 0 ? word : word.substring(0, eq);
            String value = eq < 0 ? "" : word.substring(eq + 1);
            if (value.isEmpty()) {
                throw new IllegalArgumentException("bans takes channel=NAME, jail=NAME and ip=ADDRESS, got '" + word + "'");
            }
            query = switch (key) {
                case "channel" -> query.channel(value);
                case "jail" -> query.jail(value);
                case "ip" -> query.covering(value);
                default -> throw new IllegalArgumentException("bans takes channel=NAME, jail=NAME and ip=ADDRESS, got '"
                        + word + "'");
            };
        }
        return query;
    }

    /** A value as one word of the row: {@code -} for nothing, any blank made {@code _}. */
    private static String word(String value) {
        return value.isEmpty() ? "-" : value.replace(' ', '_').replace('\t', '_');
    }
}
