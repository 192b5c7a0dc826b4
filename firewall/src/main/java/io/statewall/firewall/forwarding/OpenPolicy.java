package io.statewall.firewall.forwarding;

import io.statewall.netfilter.packet.Packet;
import io.statewall.topology.Attachment;

/** Everything is allowed, both ways: every host reaches every other host. */
public final class OpenPolicy implements ConnectionDecider {
  @Override
  public Decision decide(Packet packet, Attachment ingress) {
    return Decision.ACCEPT_BOTH_WAYS;
  }
}
