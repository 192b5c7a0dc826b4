package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.List;

/**
 * {@code -m addrtype}: xt_addrtype's route types of the source and destination address, relative to
 * the rule set's own addresses ({@link Attachments#addressType}: a host's addresses and loopback; in the
 * network rule set, the policy's hosts). IPv4 is inet_dev_addr_type: 0.0.0.0/8 and 255.255.255.255 are
 * BROADCAST, 224/4 MULTICAST, then the local table (LOCAL, loopback's broadcast), then a destination the
 * sender addressed to the link's broadcast MAC is the subnet's BROADCAST, and every other address UNICAST;
 * the types only other routes give (BLACKHOLE, UNREACHABLE, PROHIBIT, THROW, NAT, XRESOLVE, ANYCAST,
 * UNSPEC) are not in a host's local table and never match, as on such a host. IPv6 is addrtype_mt6:
 * every listed condition must hold; ANYCAST and UNREACHABLE need the host's IPv6 routes, which statewall
 * does not know, so a rule testing them is not enforced.
 *
 * @param src the {@code --src-type} mask (bit i = {@link #TYPES}[i]), -1 when not given
 * @param dst the {@code --dst-type} mask, -1 when not given
 * @param limit 0, or {@link #LIMIT_IN} / {@link #LIMIT_OUT} for {@code --limit-iface-in/-out}
 * @param family the rule file's family: IPv4's and IPv6's address types are decided differently
 */
public record AddrTypeMatch(int src, boolean srcInv, int dst, boolean dstInv, int limit, Family family)
    implements Match {
  static final List<String> TYPES = List.of("UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST",
      "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE");
  public static final int UNSPEC = 0;
  public static final int UNICAST = 1;
  public static final int LOCAL = 2;
  public static final int BROADCAST = 3;
  static final int ANYCAST = 4;
  static final int MULTICAST = 5;
  static final int UNREACHABLE = 7;
  static final int LIMIT_IN = 1;
  static final int LIMIT_OUT = 2;
  private static final long BROADCAST_MAC = 0xFFFF_FFFF_FFFFL;

  /** Without the rule set's addresses nothing rules the packet out (only the offload analysis asks this). */
  @Override
  public boolean test(Packet p, ConnInfo ct) {
    return true;
  }

  @Override
  public boolean test(Packet p, ConnInfo ct, Attachments at) {
    IpAddress s = p.src();
    IpAddress d = p.dst();
    if (s == null || d == null) {
      return false;
    }
    boolean onAttachment = limit != 0;
    if (family == Family.IPV6) {
      return (src < 0 || match6(s, src, at, onAttachment) != srcInv)
          && (dst < 0 || match6(d, dst, at, onAttachment) != dstInv);
    }
    return (src < 0 || ((src >>> type4(s, false, p, at, onAttachment)) & 1) != 0 != srcInv)
        && (dst < 0 || ((dst >>> type4(d, true, p, at, onAttachment)) & 1) != 0 != dstInv);
  }

  /** inet_dev_addr_type, with the subnet's broadcast read from the frame (the sender's own route to it). */
  private static int type4(IpAddress a, boolean isDst, Packet p, Attachments at, boolean onAttachment) {
    int v = a.v4Int();
    if ((v & 0xFF00_0000) == 0 || v == -1) {
      return BROADCAST;
    }
    if ((v & 0xF000_0000) == 0xE000_0000) {
      return MULTICAST;
    }
    int t = at.addressType(a, onAttachment);
    if (t != UNICAST) {
      return t;
    }
    return isDst && (p.dstMac() & BROADCAST_MAC) == BROADCAST_MAC ? BROADCAST : UNICAST;
  }

  /** match_type6: every condition the mask names must hold. */
  private static boolean match6(IpAddress a, int mask, Attachments at, boolean onAttachment) {
    boolean multicast = (a.hi() >>> 56) == 0xFF;
    if ((mask & (1 << MULTICAST)) != 0 && !multicast) {
      return false;
    }
    if ((mask & (1 << UNICAST)) != 0 && !unicast6(a, multicast)) {
      return false;
    }
    if ((mask & (1 << UNSPEC)) != 0 && (a.hi() | a.lo()) != 0) {
      return false;
    }
    if ((mask & (1 << LOCAL | 1 << ANYCAST | 1 << UNREACHABLE)) != 0) {
      // ANYCAST and UNREACHABLE are refused for enforcement (unenforced()): only LOCAL is looked up
      return (mask & (1 << LOCAL)) != 0 && at.addressType(a, onAttachment) == LOCAL;
    }
    return true;
  }

  /** __ipv6_addr_type's IPV6_ADDR_UNICAST: neither multicast, nor ::, nor an IPv4-mapped address. */
  private static boolean unicast6(IpAddress a, boolean multicast) {
    if (multicast || (a.hi() == 0 && a.lo() == 0)) {
      return false;
    }
    return !(a.hi() == 0 && (a.lo() >>> 32) == 0xFFFF);
  }

  /** A destination tested for UNICAST or BROADCAST may be told apart by the frame's MAC (IPv4). */
  @Override
  public boolean perPacket() {
    return family == Family.IPV4 && dst >= 0 && (dst & (1 << UNICAST | 1 << BROADCAST)) != 0;
  }

  @Override
  public String unenforced() {
    int both = Math.max(src, 0) | Math.max(dst, 0);
    if (family == Family.IPV6 && (both & (1 << ANYCAST | 1 << UNREACHABLE)) != 0) {
      return "IPv6's ANYCAST and UNREACHABLE address types come from the host's IPv6 routes, which statewall "
          + "does not know";
    }
    return null;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m addrtype");
    if (src >= 0) {
      sb.append(Match.inv(srcInv)).append(" --src-type ").append(types(src));
    }
    if (dst >= 0) {
      sb.append(Match.inv(dstInv)).append(" --dst-type ").append(types(dst));
    }
    if (limit != 0) {
      sb.append(limit == LIMIT_IN ? " --limit-iface-in" : " --limit-iface-out");
    }
  }

  private static String types(int mask) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < TYPES.size(); i++) {
      if ((mask & (1 << i)) != 0) {
        sb.append(sb.length() > 0 ? "," : "").append(TYPES.get(i));
      }
    }
    return sb.toString();
  }
}
