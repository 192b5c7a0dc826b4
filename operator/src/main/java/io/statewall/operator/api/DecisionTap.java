package io.statewall.operator.api;

import io.statewall.netfilter.judge.Judgement;
import io.statewall.netfilter.packet.Packet;
import io.statewall.topology.Attachment;

/** Hears each firewall decision after the metrics counted it: the web view's verdict stream. */
interface DecisionTap {
  /** On the channel thread of the packet: must be cheap and never block. */
  void decided(Packet packet, Attachment ingress, Judgement judgement);

  DecisionTap NONE = (p, a, j) -> {};
}
