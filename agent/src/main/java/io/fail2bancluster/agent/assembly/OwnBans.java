package io.fail2bancluster.agent.assembly;

import io.fail2bancluster.agent.ledger.BanMessage;
import io.fail2bancluster.agent.ledger.Ledger;
import io.fail2bancluster.agent.ledger.LedgerFullException;
import io.fail2bancluster.agent.outbox.OutboxStore;
import io.fail2bancluster.agent.outbox.PublishRecorder;
import io.fail2bancluster.protocol.Message;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The bans this host makes, as the ledger learns of them: each ban fail2ban hands to the outbox (the control
 * socket's {@code publish}) is recorded as made here (fail2ban applied it; the channel's action has not run
 * for it, which its announce coming back does where no {@code skip_own} stops it), each unban as revoking it
 * (due here only where the channel's action had run the ban). While the
 * ledger cannot be written (a full disk) a publish is refused with the reason, so fail2ban's action falls back
 * to the client and nothing is half-kept; the ledger says when it is written again.
 */
final class OwnBans implements PublishRecorder {
    private static final Logger LOG = LogManager.getLogger(OwnBans.class);

    private final Ledger ledger;
    /** The origin of a ban whose message names no {@code source}: this host. */
    private final String hostname;

    OwnBans(Ledger ledger, String hostname) {
        this.ledger = ledger;
        this.hostname = hostname;
    }

    @Override
    public Optional<String> refusal() {
        return ledger.writeFailure().map(failure -> "the ledger cannot be written (" + failure + ")");
    }

    @Override
    public void record(OutboxStore.Entry entry) {
        Optional<BanMessage> read = BanMessage.of(entry.channel(), Message.parse(entry.message()), entry.accepted(),
                hostname);
        if (read.isEmpty()) {
            return;
        }
        try {
            if (read.get().ban() != null) {
                ledger.made(read.get().ban());
            } else {
                // where the channel's action ran the ban here (its own announce came back, no skip_own), the
                // unban's own announce runs the unban there too: it is due, not done
                ledger.revoke(read.get().unban(), false);
            }
        } catch (LedgerFullException e) {
            LOG.warn("outbox entry {}: {}", entry.sequence(), e.getMessage());
        } catch (IllegalStateException closed) {
            LOG.debug("outbox entry {} not recorded in the ledger: {}", entry.sequence(), closed.getMessage());
        }
    }
}
