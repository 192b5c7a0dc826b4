package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Packet;

/** Walks a built-in chain of one table for a packet: the linear interpreter or the compiled one. */
public interface TableEvaluator {
  /** Evaluates {@code chain} (a built-in chain of the table) as the kernel's ipt_do_table does. */
  default Outcome evaluate(String chain, Packet p, ConnInfo ct, Attachments at) {
    return evaluate(chain, p, ct, at, false);
  }

  /**
   * The same, and with {@code count} the rules that match count the packet in {@link #counters()}
   * (a real packet; a trace or a what-if leaves them alone).
   */
  Outcome evaluate(String chain, Packet p, ConnInfo ct, Attachments at, boolean count);

  /** The table's per-rule packet and byte counters. */
  RuleCounters counters();
}
