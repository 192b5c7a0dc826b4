package io.statewall.netfilter.packet;

/**
 * Verifies TCP, UDP, ICMP and ICMPv6 checksums as Linux's conntrack does with
 * {@code nf_conntrack_checksum=1}: over the transport header and data up to the IP datagram's end,
 * with the pseudo header where the protocol has one. Reads the frame in place (no copies).
 *
 * <p>Exceptions kept from Linux: a UDP checksum of 0 on IPv4 means "none". On IPv6 it is invalid
 * (RFC 8200 §8.1; Linux's conntrack lets it pass, its UDP stack drops it: see conntrack.md).
 * Packets that were not parsed from a frame (synthetic ones) and other protocols are not checked.
 */
public final class Checksums {

  private Checksums() {}

  /** Why {@code p}'s transport checksum is wrong, or null when it is right or not checked. */
  public static String verify(Packet p) {
    byte[] f = p.frame();
    int l4 = p.l4Offset();
    if (f == null || l4 < 0 || p.l3Offset() < 0 || !p.isIp() || p.isFragmented()) {
      return null;
    }
    Family family = Family.of(p);
    int end = p.l3Offset() + p.ipLength();
    if (end > f.length || end < l4) {
      return null; // the parser reported these as malformed already
    }
    int len = end - l4;
    switch (p.protocol()) {
      case Packet.PROTO_TCP:
        return fold(sum(f, l4, len) + pseudo(p, len)) == 0xFFFF ? null : "bad TCP checksum";
      case Packet.PROTO_UDP:
        if (len >= 8 && Bytes.u16(f, l4 + 6) == 0) {
          return family == Family.IPV6 ? "UDP checksum 0 over IPv6" : null;
        }
        return fold(sum(f, l4, len) + pseudo(p, len)) == 0xFFFF ? null : "bad UDP checksum";
      case Packet.PROTO_ICMP:
        if (family == Family.IPV6) {
          return null; // ICMP over IPv6 is tracked generically, as on Linux
        }
        return fold(sum(f, l4, len)) == 0xFFFF ? null : "bad ICMP checksum";
      case Packet.PROTO_ICMPV6:
        if (family == Family.IPV4) {
          return null;
        }
        return fold(sum(f, l4, len) + pseudo(p, len)) == 0xFFFF ? null : "bad ICMPv6 checksum";
      default:
        return null;
    }
  }

  /**
   * The checksum to write into a TCP, UDP or ICMPv6 header: RFC 1071 over the pseudo header of
   * {@code src}, {@code dst} and {@code protocol} and the {@code len} bytes of the segment at
   * {@code b[off]}, whose checksum field is zero.
   */
  public static int transport(IpAddress src, IpAddress dst, int protocol, byte[] b, int off, int len) {
    return ~fold(pseudo(src, dst, protocol, len) + sum(b, off, len)) & 0xFFFF;
  }

  private static long pseudo(Packet p, int len) {
    return pseudo(p.src(), p.dst(), p.protocol(), len);
  }

  /** The pseudo header's sum: addresses, protocol and transport length (RFC 768/793/8200). */
  private static long pseudo(IpAddress src, IpAddress dst, int protocol, int len) {
    return words(src) + words(dst) + protocol + len;
  }

  private static long words(IpAddress a) {
    long s = (a.lo() & 0xFFFF) + ((a.lo() >>> 16) & 0xFFFF);
    if (a.isV6()) {
      s += ((a.lo() >>> 32) & 0xFFFF) + (a.lo() >>> 48)
          + (a.hi() & 0xFFFF) + ((a.hi() >>> 16) & 0xFFFF) + ((a.hi() >>> 32) & 0xFFFF) + (a.hi() >>> 48);
    }
    return s;
  }

  /** The sum of {@code b[off..off+len)} as 16-bit words, an odd last byte padded with zero. */
  static long sum(byte[] b, int off, int len) {
    long s = 0;
    int i = off;
    int end = off + len;
    for (; i + 1 < end; i += 2) {
      s += Bytes.u16(b, i);
    }
    if (i < end) {
      s += (b[i] & 0xFF) << 8;
    }
    return s;
  }

  /** Ones' complement fold to 16 bits; a correct packet sums to 0xFFFF. */
  static int fold(long s) {
    while ((s >>> 16) != 0) {
      s = (s & 0xFFFF) + (s >>> 16);
    }
    return (int) s;
  }
}
