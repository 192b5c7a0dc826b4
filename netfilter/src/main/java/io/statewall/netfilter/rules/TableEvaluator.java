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

  /**
   * What {@code chain} would answer, changing nothing: no counter counts and no stateful match
   * ({@code limit}, {@code recent}, {@code statistic --mode nth}, {@code hashlimit}, {@code connlimit}) runs;
   * a rule that reaches one does not match, and the outcome is not offloadable. For the offload
   * analysis, policy dry runs and traces.
   */
  Outcome whatIf(String chain, Packet p, ConnInfo ct, Attachments at);

  /** The table's per-rule packet and byte counters. */
  RuleCounters counters();
}
