package io.statewall.firewall.forwarding;

import io.statewall.netfilter.packet.Bytes;
import io.statewall.netfilter.packet.Checksums;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import java.util.Optional;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.MacAddress;

/**
 * Reads ARP requests and IPv6 neighbour solicitations, and writes the replies the controller
 * gives on a known host's behalf. Untagged frames only.
 */
final class NeighborMessages {

  private static final int ETH_ARP = 0x0806;
  private static final int ETH_IPV6 = 0x86DD;
  private static final int ICMPV6 = 58;
  private static final int NS = 135;
  private static final int NA = 136;

  private NeighborMessages() {}

  /** An ARP message's Ethernet/IPv4 fields. */
  record Arp(int op, MacAddress senderMac, IPv4Address senderIp, IPv4Address targetIp) {
    boolean isRequest() {
      return op == 1;
    }

    /** Gratuitous ARP announces the sender's own address: nobody is asked. */
    boolean isGratuitous() {
      return senderIp.equals(targetIp);
    }
  }

  /** A neighbour solicitation: who asks (source may be :: during DAD) for which target. */
  record Solicitation(MacAddress srcMac, IPv6Address src, IPv6Address target) {}

  /**
   * Whether {@code f} is an ICMPv6 neighbour message of {@code type} with its target: Ethernet 14 +
   * IPv6 40 + 24 (type, code, checksum, reserved or flags, target).
   */
  private static boolean isNeighborMessage(byte[] f, int type) {
    return f != null && f.length >= 78 && Bytes.u16(f, 12) == ETH_IPV6 && (f[14] & 0xF0) == 0x60
        && Bytes.u8(f, 20) == ICMPV6 && Bytes.u8(f, 54) == type && f[55] == 0;
  }

  /** A neighbour advertisement: who sent it and the address it speaks for. */
  record Advertised(MacAddress srcMac, IPv6Address target) {}

  static Optional<Arp> arp(byte[] f) {
    if (f == null || f.length < 42 || Bytes.u16(f, 12) != ETH_ARP || Bytes.u16(f, 14) != 1
        || Bytes.u16(f, 16) != 0x0800 || f[18] != 6 || f[19] != 4) {
      return Optional.empty();
    }
    return Optional.of(new Arp(Bytes.u16(f, 20), MacAddress.of(Bytes.u48(f, 22)),
        IPv4Address.of(Bytes.i32(f, 28)), IPv4Address.of(Bytes.i32(f, 38))));
  }

  static byte[] arpReply(Arp request, MacAddress targetMac) {
    byte[] b = new byte[42];
    Bytes.put48(b, 0, request.senderMac().getLong());
    Bytes.put48(b, 6, targetMac.getLong());
    Bytes.put16(b, 12, ETH_ARP);
    Bytes.put16(b, 14, 1); // Ethernet
    Bytes.put16(b, 16, 0x0800); // IPv4
    b[18] = 6;
    b[19] = 4;
    Bytes.put16(b, 20, 2); // reply
    Bytes.put48(b, 22, targetMac.getLong());
    Bytes.put32(b, 28, request.targetIp().getInt());
    Bytes.put48(b, 32, request.senderMac().getLong());
    Bytes.put32(b, 38, request.senderIp().getInt());
    return b;
  }

  /** A neighbour advertisement (ICMPv6 136) in {@code f}, or empty. */
  static Optional<Advertised> advertised(byte[] f) {
    if (!isNeighborMessage(f, NA)) {
      return Optional.empty();
    }
    return Optional.of(new Advertised(MacAddress.of(Bytes.u48(f, 6)), ipv6(f, 62)));
  }

  static Optional<Solicitation> solicitation(byte[] f) {
    if (!isNeighborMessage(f, NS)) {
      return Optional.empty();
    }
    return Optional.of(new Solicitation(MacAddress.of(Bytes.u48(f, 6)), ipv6(f, 22), ipv6(f, 62)));
  }

  /** A solicited, overriding advertisement of {@code target} at {@code targetMac}. */
  static byte[] advertisement(Solicitation ns, MacAddress targetMac) {
    int icmpLen = 24 + 8; // NA header + target link-layer address option
    int icmp = 14 + 40;
    byte[] f = new byte[icmp + icmpLen];
    Bytes.put48(f, 0, ns.srcMac().getLong());
    Bytes.put48(f, 6, targetMac.getLong());
    Bytes.put16(f, 12, ETH_IPV6);
    Bytes.put32(f, 14, 0x6000_0000L);
    Bytes.put16(f, 18, icmpLen);
    f[20] = (byte) ICMPV6;
    f[21] = (byte) 255; // hop limit
    System.arraycopy(ns.target().getBytes(), 0, f, 22, 16);
    System.arraycopy(ns.src().getBytes(), 0, f, 38, 16);
    f[icmp] = (byte) NA;
    Bytes.put32(f, icmp + 4, 0x6000_0000L); // S and O flags
    System.arraycopy(ns.target().getBytes(), 0, f, icmp + 8, 16);
    f[icmp + 24] = 2; // target link-layer address option, 1 unit of 8 bytes
    f[icmp + 25] = 1;
    Bytes.put48(f, icmp + 26, targetMac.getLong());
    Bytes.put16(f, icmp + 2, Checksums.transport(ipAddress(ns.target()), ipAddress(ns.src()), ICMPV6, f, icmp, icmpLen));
    return f;
  }

  private static IPv6Address ipv6(byte[] f, int off) {
    return IPv6Address.of(Bytes.u64(f, off), Bytes.u64(f, off + 8));
  }

  private static IpAddress ipAddress(IPv6Address a) {
    return IpAddress.of(a.getBytes(), 0, Family.IPV6);
  }
}
