package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Packet;

/** Walks a built-in chain of one table for a packet: the linear interpreter or the compiled one. */
public interface TableEvaluator {
  /** Evaluates {@code chain} (a built-in chain of the table) as the kernel's ipt_do_table does. */
  Outcome evaluate(String chain, Packet p, ConnInfo ct, Attachments at);
}
