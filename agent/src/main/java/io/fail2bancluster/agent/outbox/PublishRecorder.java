package io.fail2bancluster.agent.outbox;

import java.util.Optional;

/**
 * What else learns of this host's own publishes besides the outbox (the agent's ledger of bans in force), and
 * may refuse them first: a publish the agent cannot remember is refused with the reason, so fail2ban's action
 * falls back to the client, rather than accepted half-way.
 */
public interface PublishRecorder {
    /** Records nothing and refuses nothing. */
    PublishRecorder NONE = new PublishRecorder() {
        @Override
        public Optional<String> refusal() {
            return Optional.empty();
        }

        @Override
        public void record(OutboxStore.Entry entry) {
        }
    };

    /** Why a publish is to be refused now (a disk that cannot be written); empty when it may be taken. */
    Optional<String> refusal();

    /** An entry now on disk in the outbox. On the control socket's thread; must not block for long. */
    void record(OutboxStore.Entry entry);
}
