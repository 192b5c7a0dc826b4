package io.statewall.netfilter.packet;

import static io.statewall.netfilter.packet.Bytes.u16;
import static io.statewall.netfilter.packet.Bytes.u32;
import static io.statewall.netfilter.packet.Bytes.u48;

/**
 * Turns an Ethernet frame into a {@link Packet}; mangled input gives a Packet with {@code malformed}
 * set, never an exception.
 *
 * <p>Stateless and allocation-light (one Packet, its addresses), so one instance serves all threads.
 * Checksums are not verified here ({@link Checksums} does, for conntrack): a rule still matches a
 * packet whose checksum is bad, as on Linux. VLAN tags are those of {@link VlanTags}. Fragments
 * are flagged, never reassembled (see {@code conntrack.Defragmenter}).
 */
public final class PacketParser {

  private static final int MAX_IPV6_EXT_HEADERS = 8;

  /** Parses a frame; {@code frame} is kept (never copied, never mutated). */
  public Packet parse(byte[] frame) {
    Scratch s = new Scratch(frame);
    if (frame == null) {
      s.frame = new byte[0];
      return s.fail("null frame");
    }
    if (frame.length < 14) {
      return s.fail("short Ethernet header");
    }
    s.dstMac = u48(frame, 0);
    s.srcMac = u48(frame, 6);
    int off = 12;
    int type = u16(frame, off);
    int tags = 0;
    while (VlanTags.isTag(type)) {
      if (++tags > VlanTags.MAX_TAGS) {
        return s.fail("too many VLAN tags");
      }
      if (frame.length < off + 6) {
        return s.fail("truncated VLAN tag");
      }
      if (s.vlan < 0) {
        s.vlan = u16(frame, off + 2) & 0x0FFF;
      }
      off += 4;
      s.vlanTags = tags;
      type = u16(frame, off);
    }
    s.etherType = type;
    off += 2;
    s.l3Offset = off;
    if (type == Packet.ETH_IPV4) {
      return ipv4(s, frame, off, frame.length - off);
    }
    if (type == Packet.ETH_IPV6) {
      return ipv6(s, frame, off, frame.length - off);
    }
    // ARP, LLDP, PPPoE (discovery and session, whatever the session carries) and anything else:
    // not IP, nothing more to read.
    s.ipVersion = 0;
    return s.build();
  }

  private static Packet ipv4(Scratch s, byte[] b, int off, int avail) {
    s.ipVersion = 4;
    if (avail < 20) {
      return s.fail("short IPv4 header");
    }
    int vihl = b[off] & 0xFF;
    if ((vihl >>> 4) != 4) {
      return s.fail("IP version " + (vihl >>> 4) + " in an IPv4 EtherType");
    }
    int ihl = (vihl & 0x0F) * 4;
    int total = u16(b, off + 2);
    s.ipLength = total;
    s.ttl = b[off + 8] & 0xFF;
    s.protocol = b[off + 9] & 0xFF;
    s.src = IpAddress.of(b, off + 12, Family.IPV4);
    s.dst = IpAddress.of(b, off + 16, Family.IPV4);
    if (ihl < 20) {
      return s.fail("IPv4 header length " + ihl + " below 20");
    }
    if (total < ihl) {
      return s.fail("IPv4 total length " + total + " below header length " + ihl);
    }
    if (total > avail) {
      return s.fail("IPv4 total length " + total + " beyond the " + avail + " bytes received");
    }
    int fragField = u16(b, off + 6);
    int fragOffset = fragField & 0x1FFF;
    if (fragOffset != 0) {
      s.fragment = true;
      return s.build();
    }
    s.moreFragments = (fragField & 0x2000) != 0;
    // Ethernet padding past the IP total length is ignored.
    return l4(s, b, off + ihl, total - ihl, Family.IPV4);
  }

  private static Packet ipv6(Scratch s, byte[] b, int off, int avail) {
    s.ipVersion = 6;
    if (avail < 40) {
      return s.fail("short IPv6 header");
    }
    if (((b[off] & 0xFF) >>> 4) != 6) {
      return s.fail("IP version " + ((b[off] & 0xFF) >>> 4) + " in an IPv6 EtherType");
    }
    int payloadLen = u16(b, off + 4);
    s.ipLength = 40 + payloadLen;
    s.ttl = b[off + 7] & 0xFF;
    s.src = IpAddress.of(b, off + 8, Family.IPV6);
    s.dst = IpAddress.of(b, off + 24, Family.IPV6);
    int next = b[off + 6] & 0xFF;
    s.protocol = next;
    if (40 + payloadLen > avail) {
      return s.fail("IPv6 payload length " + payloadLen + " beyond the " + (avail - 40) + " bytes received");
    }
    int p = off + 40;
    int end = off + 40 + payloadLen;
    for (int i = 0; ; i++) {
      if (next != 0 && next != 43 && next != 44 && next != 60 && next != 51) {
        break;
      }
      if (i >= MAX_IPV6_EXT_HEADERS) {
        return s.fail("too many IPv6 extension headers");
      }
      if (end - p < 8) {
        return s.fail("truncated IPv6 extension header");
      }
      int hdrNext = b[p] & 0xFF;
      int len;
      if (next == 44) {
        len = 8;
        int fragField = u16(b, p + 2);
        if ((fragField >>> 3) != 0) {
          s.protocol = hdrNext;
          s.fragment = true;
          return s.build();
        }
        s.moreFragments = (fragField & 1) != 0;
      } else if (next == 51) {
        len = ((b[p + 1] & 0xFF) + 2) * 4;
      } else {
        len = ((b[p + 1] & 0xFF) + 1) * 8;
      }
      if (end - p < len) {
        return s.fail("truncated IPv6 extension header");
      }
      p += len;
      next = hdrNext;
      s.protocol = next;
    }
    return l4(s, b, p, end - p, Family.IPV6);
  }

  private static Packet l4(Scratch s, byte[] b, int off, int len, Family family) {
    s.l4Offset = off;
    // A first fragment holds only the start of the datagram: read what is there, judge nothing
    // (the defragmenter decides on a header cut short; the reassembly is what conntrack sees).
    boolean partial = s.moreFragments;
    switch (s.protocol) {
      case Packet.PROTO_TCP: {
        if (len < 20) {
          return partial ? s.build() : s.fail("truncated TCP header");
        }
        s.srcPort = u16(b, off);
        s.dstPort = u16(b, off + 2);
        s.seq = u32(b, off + 4);
        s.ack = u32(b, off + 8);
        int doff = ((b[off + 12] & 0xFF) >>> 4) * 4;
        s.tcpFlags = b[off + 13] & 0xFF;
        s.window = u16(b, off + 14);
        if (doff < 20 || doff > len) {
          return partial ? s.build() : s.fail("TCP data offset " + doff + " outside the " + len + "-byte segment");
        }
        s.payloadOffset = off + doff;
        s.payloadLength = len - doff;
        return s.build();
      }
      case Packet.PROTO_UDP: {
        if (len < 8) {
          return partial ? s.build() : s.fail("truncated UDP header");
        }
        s.srcPort = u16(b, off);
        s.dstPort = u16(b, off + 2);
        int ulen = u16(b, off + 4);
        if (partial) {
          s.payloadOffset = off + 8;
          s.payloadLength = len - 8;
          return s.build();
        }
        if (ulen < 8 || ulen > len) {
          return s.fail("UDP length " + ulen + " outside 8.." + len);
        }
        s.payloadOffset = off + 8;
        s.payloadLength = ulen - 8;
        return s.build();
      }
      case Packet.PROTO_ICMP:
      case Packet.PROTO_ICMPV6: {
        if ((s.protocol == Packet.PROTO_ICMPV6) != (family == Family.IPV6)) {
          // ICMPv6 over IPv4 (or ICMP over IPv6) is not ICMP for conntrack: generic.
          s.payloadOffset = off;
          s.payloadLength = len;
          return s.build();
        }
        if (len < 8) {
          return partial ? s.build() : s.fail("truncated ICMP header");
        }
        s.icmpType = b[off] & 0xFF;
        s.icmpCode = b[off + 1] & 0xFF;
        if (hasIcmpId(s.icmpType, family)) {
          s.icmpId = u16(b, off + 4);
        }
        s.payloadOffset = off + 8;
        s.payloadLength = len - 8;
        return s.build();
      }
      default:
        s.payloadOffset = off;
        s.payloadLength = len;
        return s.build();
    }
  }

  /** True for the ICMP types whose header carries an identifier (echo, timestamp, info, mask). */
  public static boolean hasIcmpId(int type, Family family) {
    if (family == Family.IPV6) {
      return type == 128 || type == 129 || type == 139 || type == 140;
    }
    return type == 0 || type == 8 || (type >= 13 && type <= 18);
  }

  /**
   * Parses the IP packet quoted inside an ICMP error: only its addresses, protocol and the start of
   * its L4 header are needed (TCP/UDP: the 4 bytes of ports, as Linux reads; ICMP: 8 bytes). The
   * quote is usually truncated, so lengths are not checked against the quote's size. Returns null
   * when the quote is too short to name a connection. {@code family} is the error's own (ICMP quotes
   * IPv4, ICMPv6 quotes IPv6).
   */
  public Packet parseQuoted(byte[] b, int off, int len, Family family) {
    if (b == null || off < 0 || len <= 0 || off + len > b.length) {
      return null;
    }
    Scratch s = new Scratch(b);
    int p;
    int end = off + len;
    if (family == Family.IPV4) {
      if (len < 20 || ((b[off] & 0xFF) >>> 4) != 4) {
        return null;
      }
      int ihl = (b[off] & 0x0F) * 4;
      if (ihl < 20 || len < ihl) {
        return null;
      }
      s.ipVersion = 4;
      s.etherType = Packet.ETH_IPV4;
      s.l3Offset = off;
      s.ipLength = u16(b, off + 2);
      s.protocol = b[off + 9] & 0xFF;
      s.src = IpAddress.of(b, off + 12, Family.IPV4);
      s.dst = IpAddress.of(b, off + 16, Family.IPV4);
      if ((u16(b, off + 6) & 0x1FFF) != 0) {
        return null;
      }
      p = off + ihl;
    } else {
      if (len < 40 || ((b[off] & 0xFF) >>> 4) != 6) {
        return null;
      }
      s.ipVersion = 6;
      s.etherType = Packet.ETH_IPV6;
      s.l3Offset = off;
      s.ipLength = 40 + u16(b, off + 4);
      s.src = IpAddress.of(b, off + 8, Family.IPV6);
      s.dst = IpAddress.of(b, off + 24, Family.IPV6);
      int next = b[off + 6] & 0xFF;
      p = off + 40;
      for (int i = 0; next == 0 || next == 43 || next == 60 || next == 44; i++) {
        if (i >= MAX_IPV6_EXT_HEADERS || end - p < 8) {
          return null;
        }
        int hdrNext = b[p] & 0xFF;
        if (next == 44 && (u16(b, p + 2) >>> 3) != 0) {
          return null;
        }
        p += next == 44 ? 8 : ((b[p + 1] & 0xFF) + 1) * 8;
        next = hdrNext;
      }
      s.protocol = next;
    }
    // Linux's nf_ct_get_tuple reads only the ports of TCP/UDP (4 bytes), a whole ICMP header (8).
    boolean ports = s.protocol == Packet.PROTO_TCP || s.protocol == Packet.PROTO_UDP;
    boolean icmp = s.protocol == (family == Family.IPV6 ? Packet.PROTO_ICMPV6 : Packet.PROTO_ICMP);
    if ((ports && end - p < 4) || (icmp && end - p < 8)) {
      return null;
    }
    s.l4Offset = p;
    if (ports) {
      s.srcPort = u16(b, p);
      s.dstPort = u16(b, p + 2);
      if (s.protocol == Packet.PROTO_TCP && end - p >= 8) {
        s.seq = u32(b, p + 4);
      }
    } else if (icmp) {
      s.icmpType = b[p] & 0xFF;
      s.icmpCode = b[p + 1] & 0xFF;
      if (hasIcmpId(s.icmpType, family)) {
        s.icmpId = u16(b, p + 4);
      }
    }
    return s.build();
  }

  /** Mutable fields while one frame is parsed; becomes the immutable Packet at the end. */
  private static final class Scratch {
    byte[] frame;
    long srcMac;
    long dstMac;
    int vlan = -1;
    int vlanTags;
    int etherType;
    int l3Offset = -1;
    int ipVersion;
    IpAddress src;
    IpAddress dst;
    int protocol;
    int ipLength;
    int ttl;
    boolean fragment;
    boolean moreFragments;
    int l4Offset = -1;
    int srcPort = -1;
    int dstPort = -1;
    int tcpFlags = -1;
    long seq;
    long ack;
    int window;
    int icmpType = -1;
    int icmpCode = -1;
    int icmpId = -1;
    int payloadOffset = -1;
    int payloadLength;

    Scratch(byte[] frame) {
      this.frame = frame;
    }

    Packet fail(String why) {
      return make(why);
    }

    Packet build() {
      return make(null);
    }

    private Packet make(String malformed) {
      return new Packet(frame, srcMac, dstMac, vlan, vlanTags, etherType, l3Offset, ipVersion, src,
          dst, protocol, ipLength, ttl, fragment, moreFragments, l4Offset, srcPort, dstPort,
          tcpFlags, seq, ack, window, icmpType, icmpCode, icmpId, payloadOffset, payloadLength,
          malformed);
    }
  }
}
