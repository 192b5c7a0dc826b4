package io.statewall.firewall.forwarding;

import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.VlanTags;

/**
 * A test decoder that reads just what forwarding needs (Ethernet, VLAN tags as netfilter's VlanTags
 * knows them, IPv4, IPv6 with its common extension headers, TCP/UDP ports, ICMP type and code), so
 * forwarding's tests do not depend on the full packet parser; production uses the parser.
 */
public final class MinimalPacketDecoder implements PacketDecoder {

  @Override
  public Packet decode(byte[] f) {
    try {
      return decodeUnchecked(f);
    } catch (RuntimeException e) {
      return nonIp(f, 0, 0, -1, 0, "unreadable: " + e);
    }
  }

  private static Packet decodeUnchecked(byte[] f) {
    if (f == null || f.length < 14) {
      return nonIp(f, 0, 0, -1, 0, "shorter than an Ethernet header");
    }
    Packet.Builder b = Packet.builder().frame(f).dstMac(mac(f, 0)).srcMac(mac(f, 6));
    int off = VlanTags.etherTypeOffset(f); // the tags the packet parser skips, no other list
    if (off < 0) {
      return nonIp(f, mac(f, 6), mac(f, 0), -1, u16(f, 12), "truncated or too many VLAN tags");
    }
    int type = u16(f, off);
    if (off > 12) {
      b.vlan(u16(f, 14) & 0x0FFF);
    }
    int l3 = off + 2;
    b.etherType(type);
    if (type == Packet.ETH_IPV4) {
      return ipv4(f, l3, b);
    }
    if (type == Packet.ETH_IPV6) {
      return ipv6(f, l3, b);
    }
    return nonIp(f, mac(f, 6), mac(f, 0), off == 12 ? -1 : u16(f, 14) & 0x0FFF, type, null);
  }

  /** The builder always makes IP packets; a frame that is not IP needs the canonical constructor. */
  private static Packet nonIp(byte[] f, long src, long dst, int vlan, int type, String malformed) {
    return new Packet(f, src, dst, vlan, type, 0, null, null, -1, 0, 0, false, -1, -1, -1, -1, 0,
        0, 0, -1, -1, -1, -1, 0, malformed);
  }

  private static Packet ipv4(byte[] f, int l3, Packet.Builder b) {
    if (f.length < l3 + 20 || (f[l3] & 0xF0) != 0x40) {
      return b.malformed("truncated IPv4 header").build();
    }
    int ihl = (f[l3] & 0x0F) * 4;
    int total = u16(f, l3 + 2);
    if (ihl < 20 || f.length < l3 + ihl || total < ihl) {
      return b.malformed("bad IPv4 header length").build();
    }
    b.addresses(IpAddress.of(f, l3 + 12, false), IpAddress.of(f, l3 + 16, false))
        .ipLength(total).ttl(f[l3 + 8] & 0xFF);
    int proto = f[l3 + 9] & 0xFF;
    boolean laterFragment = (u16(f, l3 + 6) & 0x1FFF) != 0;
    b.protocol(proto).fragment(laterFragment);
    return laterFragment ? b.build() : l4(f, l3 + ihl, proto, b);
  }

  private static Packet ipv6(byte[] f, int l3, Packet.Builder b) {
    if (f.length < l3 + 40 || (f[l3] & 0xF0) != 0x60) {
      return b.malformed("truncated IPv6 header").build();
    }
    b.addresses(IpAddress.of(f, l3 + 8, true), IpAddress.of(f, l3 + 24, true))
        .ipLength(40 + u16(f, l3 + 4)).ttl(f[l3 + 7] & 0xFF);
    int next = f[l3 + 6] & 0xFF;
    int off = l3 + 40;
    // hop-by-hop, routing, fragment, destination options: a bounded walk to the upper layer
    for (int i = 0; i < 8 && (next == 0 || next == 43 || next == 44 || next == 60); i++) {
      if (f.length < off + 8) {
        return b.protocol(next).malformed("truncated IPv6 extension header").build();
      }
      if (next == 44) {
        boolean later = (u16(f, off + 2) & 0xFFF8) != 0;
        next = f[off] & 0xFF;
        off += 8;
        if (later) {
          return b.protocol(next).fragment(true).build();
        }
      } else {
        int len = ((f[off + 1] & 0xFF) + 1) * 8;
        next = f[off] & 0xFF;
        off += len;
      }
    }
    b.protocol(next);
    return l4(f, off, next, b);
  }

  private static Packet l4(byte[] f, int off, int proto, Packet.Builder b) {
    switch (proto) {
      case Packet.PROTO_TCP -> {
        if (f.length < off + 20) {
          return b.malformed("truncated TCP header").build();
        }
        int dataOff = ((f[off + 12] & 0xF0) >>> 4) * 4;
        b.tcp(u16(f, off), u16(f, off + 2), f[off + 13] & 0xFF).l4Offset(off)
            .seq(u32(f, off + 4)).ack(u32(f, off + 8)).window(u16(f, off + 14))
            .payload(off + dataOff, Math.max(0, f.length - off - dataOff));
      }
      case Packet.PROTO_UDP -> {
        if (f.length < off + 8) {
          return b.malformed("truncated UDP header").build();
        }
        b.udp(u16(f, off), u16(f, off + 2)).l4Offset(off).payload(off + 8, f.length - off - 8);
      }
      case Packet.PROTO_ICMP, Packet.PROTO_ICMPV6 -> {
        if (f.length < off + 4) {
          return b.malformed("truncated ICMP header").build();
        }
        b.icmp(f[off] & 0xFF, f[off + 1] & 0xFF).l4Offset(off);
        if (f.length >= off + 6) {
          b.icmpId(u16(f, off + 4));
        }
        b.payload(off + 8, Math.max(0, f.length - off - 8));
      }
      default -> b.l4Offset(off);
    }
    return b.build();
  }

  private static long mac(byte[] f, int off) {
    long v = 0;
    for (int i = 0; i < 6; i++) {
      v = v << 8 | (f[off + i] & 0xFF);
    }
    return v;
  }

  static int u16(byte[] f, int off) {
    return (f[off] & 0xFF) << 8 | (f[off + 1] & 0xFF);
  }

  private static long u32(byte[] f, int off) {
    return ((long) u16(f, off) << 16 | u16(f, off + 2)) & 0xFFFF_FFFFL;
  }
}
