package io.fail2bancluster.agent;

import io.fail2bancluster.protocol.Message;

/** A channel message that passed its route's filter, on its way through dedupe to exec. */
record Delivery(Route route, Message message) {
}
