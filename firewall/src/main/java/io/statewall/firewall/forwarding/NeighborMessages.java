package io.statewall.firewall.forwarding;

import java.nio.ByteBuffer;
import java.util.Arrays;
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
    return f != null && f.length >= 78 && u16(f, 12) == ETH_IPV6 && (f[14] & 0xF0) == 0x60
        && (f[20] & 0xFF) == ICMPV6 && (f[54] & 0xFF) == type && f[55] == 0;
  }

  /** A neighbour advertisement: who sent it and the address it speaks for. */
  record Advertised(MacAddress srcMac, IPv6Address target) {}

  static Optional<Arp> arp(byte[] f) {
    if (f == null || f.length < 42 || u16(f, 12) != ETH_ARP || u16(f, 14) != 1
        || u16(f, 16) != 0x0800 || f[18] != 6 || f[19] != 4) {
      return Optional.empty();
    }
    return Optional.of(new Arp(u16(f, 20), MacAddress.of(Arrays.copyOfRange(f, 22, 28)),
        IPv4Address.of(Arrays.copyOfRange(f, 28, 32)),
        IPv4Address.of(Arrays.copyOfRange(f, 38, 42))));
  }

  static byte[] arpReply(Arp request, MacAddress targetMac) {
    ByteBuffer b = ByteBuffer.allocate(42);
    b.put(request.senderMac().getBytes()).put(targetMac.getBytes()).putShort((short) ETH_ARP);
    b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 2)
        .put(targetMac.getBytes()).put(request.targetIp().getBytes())
        .put(request.senderMac().getBytes()).put(request.senderIp().getBytes());
    return b.array();
  }

  /** A neighbour advertisement (ICMPv6 136) in {@code f}, or empty. */
  static Optional<Advertised> advertised(byte[] f) {
    if (!isNeighborMessage(f, NA)) {
      return Optional.empty();
    }
    return Optional.of(new Advertised(MacAddress.of(Arrays.copyOfRange(f, 6, 12)),
        IPv6Address.of(Arrays.copyOfRange(f, 62, 78))));
  }

  static Optional<Solicitation> solicitation(byte[] f) {
    if (!isNeighborMessage(f, NS)) {
      return Optional.empty();
    }
    return Optional.of(new Solicitation(MacAddress.of(Arrays.copyOfRange(f, 6, 12)),
        IPv6Address.of(Arrays.copyOfRange(f, 22, 38)),
        IPv6Address.of(Arrays.copyOfRange(f, 62, 78))));
  }

  /** A solicited, overriding advertisement of {@code target} at {@code targetMac}. */
  static byte[] advertisement(Solicitation ns, MacAddress targetMac) {
    int icmpLen = 24 + 8; // NA header + target link-layer address option
    ByteBuffer b = ByteBuffer.allocate(14 + 40 + icmpLen);
    b.put(ns.srcMac().getBytes()).put(targetMac.getBytes()).putShort((short) ETH_IPV6);
    b.putInt(0x6000_0000).putShort((short) icmpLen).put((byte) ICMPV6).put((byte) 255)
        .put(ns.target().getBytes()).put(ns.src().getBytes());
    int icmp = b.position();
    b.put((byte) NA).put((byte) 0).putShort((short) 0).putInt(0x6000_0000) // S and O flags
        .put(ns.target().getBytes())
        .put((byte) 2).put((byte) 1).put(targetMac.getBytes());
    byte[] frame = b.array();
    int sum = checksum(ns.target().getBytes(), ns.src().getBytes(), frame, icmp, icmpLen);
    frame[icmp + 2] = (byte) (sum >>> 8);
    frame[icmp + 3] = (byte) sum;
    return frame;
  }

  /** The ICMPv6 checksum: one's complement sum over the pseudo-header and the message. */
  static int checksum(byte[] src, byte[] dst, byte[] f, int off, int len) {
    long sum = 0;
    for (int i = 0; i < 16; i += 2) {
      sum += u16(src, i) + u16(dst, i);
    }
    sum += len + ICMPV6;
    for (int i = 0; i < len; i += 2) {
      sum += i + 1 < len ? u16(f, off + i) : (f[off + i] & 0xFF) << 8;
    }
    while (sum >>> 16 != 0) {
      sum = (sum & 0xFFFF) + (sum >>> 16);
    }
    return (int) (~sum & 0xFFFF);
  }

  private static int u16(byte[] f, int off) {
    return (f[off] & 0xFF) << 8 | (f[off + 1] & 0xFF);
  }
}
