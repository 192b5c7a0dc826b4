package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Packet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The packet and byte counters of every rule of one table, as {@code iptables -L -v} shows them: a
 * rule counts a packet whenever all its matches hold, whatever its target. Rules are numbered table-wide
 * in chain order ({@link RuleTable#chains()}); two arrays, no allocation while counting.
 */
public final class RuleCounters {
  private final int[] first;
  private final AtomicLongArray packets;
  private final AtomicLongArray bytes;

  public RuleCounters(RuleTable table) {
    List<Chain> chains = table.chains();
    first = new int[chains.size()];
    int n = 0;
    for (int c = 0; c < chains.size(); c++) {
      first[c] = n;
      n += chains.get(c).rules().size();
    }
    packets = new AtomicLongArray(n);
    bytes = new AtomicLongArray(n);
  }

  /** Rule {@code rule} of chain {@code chain} (both 0-based, in table order) matched {@code p}. */
  void count(int chain, int rule, Packet p) {
    int k = first[chain] + rule;
    packets.incrementAndGet(k);
    bytes.addAndGet(k, p.ipLength());
  }

  public long packets(int chain, int rule) {
    return packets.get(first[chain] + rule);
  }

  public long bytes(int chain, int rule) {
    return bytes.get(first[chain] + rule);
  }
}
