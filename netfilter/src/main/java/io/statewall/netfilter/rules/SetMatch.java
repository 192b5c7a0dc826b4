package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Packet;

/**
 * {@code -m set} (revision 4): xt_set's test of the packet against one of the policy's ipsets, each
 * dimension from the source or the destination as the flags say. The counter options are read and
 * printed; a rule that compares counters is not decided (statewall keeps no per-element counters).
 *
 * @param src for each flag given, whether it is {@code src}
 * @param packets {@code --packets-eq/-lt/-gt} as "eq 3" (null when not given), likewise {@code bytes}
 */
public record SetMatch(IpSets.IpSet set, boolean[] src, boolean invert, boolean returnNomatch, boolean noCounters,
    boolean noSubCounters, String packets, boolean packetsInv, String bytes, boolean bytesInv) implements Match {

  @Override
  public boolean test(Packet p, ConnInfo ct) {
    return set.test(p, src, returnNomatch) != invert;
  }

  /** A set's content does not change while a policy runs, and its dimensions are connection fields. */
  @Override
  public boolean perPacket() {
    return packets != null || bytes != null;
  }

  @Override
  public String unenforced() {
    return packets != null || bytes != null ? "it compares the set element's packet or byte counters, which "
        + "statewall does not keep" : null;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m set").append(Match.inv(invert)).append(" --match-set ").append(set.name()).append(' ');
    for (int i = 0; i < src.length; i++) {
      sb.append(i > 0 ? "," : "").append(src[i] ? "src" : "dst");
    }
    if (returnNomatch) {
      sb.append(" --return-nomatch");
    }
    if (noCounters) {
      sb.append(" ! --update-counters");
    }
    if (noSubCounters) {
      sb.append(" ! --update-subcounters");
    }
    if (packets != null) {
      sb.append(Match.inv(packetsInv)).append(" --packets-").append(packets);
    }
    if (bytes != null) {
      sb.append(Match.inv(bytesInv)).append(" --bytes-").append(bytes);
    }
  }
}
