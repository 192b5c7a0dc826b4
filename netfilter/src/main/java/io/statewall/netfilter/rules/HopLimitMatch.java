package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.Packet;

/**
 * {@code -m ttl} (IPv4 TTL) and {@code -m hl} (IPv6 hop limit): xt_hl's comparisons of the header
 * field with a value. The field is the packet's as it crosses the network (switches do not decrement
 * it); a Linux router's FORWARD sees it one lower (docs/conntrack.md, deliberate differences).
 */
public record HopLimitMatch(Family family, Mode mode, int value) implements Match {
  /** xt_hl's modes: {@code ! --ttl-eq} is NE; {@code --ttl-lt} and {@code --ttl-gt} cannot be inverted. */
  public enum Mode { EQ, NE, LT, GT }

  @Override
  public boolean test(Packet p, ConnInfo ct) {
    int t = p.ttl();
    return switch (mode) {
      case EQ -> t == value;
      case NE -> t != value;
      case LT -> t < value;
      case GT -> t > value;
    };
  }

  /**
   * Treated as constant for a connection's direction, as the ICMP type is: the controller decides on
   * the packets it sees, and an offloaded connection's later packets are not re-checked (a path's
   * length rarely changes within a connection; see docs/rules.md).
   */
  @Override
  public boolean perPacket() {
    return false;
  }

  @Override
  public void save(StringBuilder sb) {
    String opt = family == Family.IPV4 ? "ttl" : "hl";
    sb.append(" -m ").append(opt).append(mode == Mode.NE ? " !" : "").append(" --").append(opt).append(switch (mode) {
      case EQ, NE -> "-eq ";
      case LT -> "-lt ";
      case GT -> "-gt ";
    }).append(value);
  }
}
