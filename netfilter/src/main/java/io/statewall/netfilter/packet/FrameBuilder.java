package io.statewall.netfilter.packet;

import static io.statewall.netfilter.packet.Bytes.put16;
import static io.statewall.netfilter.packet.Bytes.put32;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds real Ethernet frames (IPv4/IPv6, TCP/UDP/ICMP/ICMPv6, optional VLAN tag) with correct
 * lengths and checksums: for tests, and for the controller to craft TCP resets and ICMP errors.
 *
 * <p>A fluent, single-use builder: set the fields, call {@link #build()}.
 */
public final class FrameBuilder {

  private long srcMac = 0x020000000001L;
  private long dstMac = 0x020000000002L;
  private int vlan = -1;
  private int[] extraTags = new int[0]; // (tpid, id) pairs, outermost first
  private IpAddress src;
  private IpAddress dst;
  private int ttl = 64;
  private int ipId = 1;
  private int protocol = Packet.PROTO_TCP;
  private int srcPort;
  private int dstPort;
  private int tcpFlags;
  private long seq;
  private long ack;
  private int window = 65535;
  private byte[] tcpOptions = new byte[0];
  private int icmpType = -1;
  private int icmpCode;
  private int icmpRest; // identifier<<16 | sequence for echo, unused (0) for errors
  private byte[] payload = new byte[0];

  public static FrameBuilder ip(IpAddress src, IpAddress dst) {
    FrameBuilder b = new FrameBuilder();
    b.src = src;
    b.dst = dst;
    return b;
  }

  public static FrameBuilder ip(String src, String dst) {
    return ip(IpAddress.parse(src), IpAddress.parse(dst));
  }

  public FrameBuilder macs(long source, long destination) {
    srcMac = source;
    dstMac = destination;
    return this;
  }

  public FrameBuilder vlan(int id) {
    vlan = id;
    return this;
  }

  /**
   * Adds a VLAN tag with any TPID (0x88A8, 0x9100...), after those added before; with
   * {@link #vlan}, its 0x8100 tag comes last (innermost).
   */
  public FrameBuilder tag(int tpid, int id) {
    int[] t = Arrays.copyOf(extraTags, extraTags.length + 2);
    t[extraTags.length] = tpid;
    t[extraTags.length + 1] = id;
    extraTags = t;
    return this;
  }

  public FrameBuilder ttl(int v) {
    ttl = v;
    return this;
  }

  public FrameBuilder ipId(int v) {
    ipId = v;
    return this;
  }

  public FrameBuilder tcp(int sport, int dport, int flags) {
    protocol = Packet.PROTO_TCP;
    srcPort = sport;
    dstPort = dport;
    tcpFlags = flags;
    return this;
  }

  public FrameBuilder seq(long v) {
    seq = v & 0xFFFF_FFFFL;
    return this;
  }

  public FrameBuilder ack(long v) {
    ack = v & 0xFFFF_FFFFL;
    return this;
  }

  public FrameBuilder window(int v) {
    window = v;
    return this;
  }

  /** Raw TCP option bytes (padded to 4 with NOPs... by the caller: length must be a multiple of 4). */
  public FrameBuilder tcpOptions(byte[] options) {
    if (options.length % 4 != 0 || options.length > 40) {
      throw new IllegalArgumentException("TCP options must be 0..40 bytes, a multiple of 4");
    }
    tcpOptions = options.clone();
    return this;
  }

  public FrameBuilder udp(int sport, int dport) {
    protocol = Packet.PROTO_UDP;
    srcPort = sport;
    dstPort = dport;
    return this;
  }

  /** ICMP (IPv4) or ICMPv6 (IPv6) message; {@code rest} is the 4 bytes after the checksum. */
  public FrameBuilder icmp(int type, int code, int rest) {
    protocol = src.isV6() ? Packet.PROTO_ICMPV6 : Packet.PROTO_ICMP;
    icmpType = type;
    icmpCode = code;
    icmpRest = rest;
    return this;
  }

  /** Echo request (8, or 128 on IPv6) with identifier and sequence number. */
  public FrameBuilder echoRequest(int id, int sequence) {
    return icmp(src.isV6() ? 128 : 8, 0, (id << 16) | (sequence & 0xFFFF));
  }

  public FrameBuilder echoReply(int id, int sequence) {
    return icmp(src.isV6() ? 129 : 0, 0, (id << 16) | (sequence & 0xFFFF));
  }

  /** Any other IP protocol (generic tracking); the payload follows the IP header. */
  public FrameBuilder protocol(int proto) {
    protocol = proto;
    return this;
  }

  public FrameBuilder payload(byte[] data) {
    payload = data.clone();
    return this;
  }

  public FrameBuilder payload(String ascii) {
    payload = ascii.getBytes(StandardCharsets.ISO_8859_1);
    return this;
  }

  /** The complete Ethernet frame. */
  public byte[] build() {
    byte[] l4 = l4Bytes();
    byte[] ipPacket = src.isV6() ? ipv6(l4) : ipv4(l4);
    ByteArrayOutputStream out = new ByteArrayOutputStream(ipPacket.length + 18);
    writeMac(out, dstMac);
    writeMac(out, srcMac);
    for (int i = 0; i < extraTags.length; i += 2) {
      write16(out, extraTags[i]);
      write16(out, extraTags[i + 1] & 0x0FFF);
    }
    if (vlan >= 0) {
      write16(out, Packet.ETH_VLAN);
      write16(out, vlan & 0x0FFF);
    }
    write16(out, src.isV6() ? Packet.ETH_IPV6 : Packet.ETH_IPV4);
    out.writeBytes(ipPacket);
    return out.toByteArray();
  }

  /**
   * The IP packet inside a frame (after its VLAN tags): what an ICMP error quotes. Quotes at most
   * {@code max} bytes, as routers quote a prefix.
   */
  public static byte[] ipPacketOf(byte[] frame, int max) {
    int off = VlanTags.etherTypeOffset(frame) + 2;
    int len = Math.min(frame.length - off, max);
    byte[] ip = new byte[len];
    System.arraycopy(frame, off, ip, 0, len);
    return ip;
  }

  /**
   * One fragment of {@code whole} (an unfragmented IPv4 or IPv6 frame built here, tags allowed):
   * bytes {@code [offset, offset + length)} of its IP payload, identification {@code id}, the
   * more-fragments flag as given. IPv4 copies the header (DF cleared); IPv6 inserts a fragment
   * header. For tests of reassembly: offsets and lengths are not checked.
   */
  public static byte[] fragment(byte[] whole, int offset, int length, boolean more, int id) {
    int l3 = VlanTags.etherTypeOffset(whole) + 2;
    Family family = (whole[l3] & 0xF0) == 0x60 ? Family.IPV6 : Family.IPV4;
    int hdr = family == Family.IPV6 ? 40 : (whole[l3] & 0x0F) * 4;
    int extra = family == Family.IPV6 ? 8 : 0;
    byte[] f = new byte[l3 + hdr + extra + length];
    System.arraycopy(whole, 0, f, 0, l3 + hdr);
    System.arraycopy(whole, l3 + hdr + offset, f, l3 + hdr + extra, length);
    if (family == Family.IPV6) {
      f[l3 + 6] = 44;
      put16(f, l3 + 4, 8 + length);
      int fh = l3 + 40;
      f[fh] = whole[l3 + 6];
      put16(f, fh + 2, (offset & 0xFFF8) | (more ? 1 : 0));
      put32(f, fh + 4, id & 0xFFFF_FFFFL);
    } else {
      put16(f, l3 + 2, hdr + length);
      put16(f, l3 + 4, id & 0xFFFF);
      put16(f, l3 + 6, (offset / 8) | (more ? 0x2000 : 0));
      put16(f, l3 + 10, 0);
      put16(f, l3 + 10, checksum(f, l3, hdr, 0));
    }
    return f;
  }

  /**
   * A TCP RST answering {@code p} (as a host's stack would): from p's destination to its source,
   * ACK set when p had no ACK. The controller sends it for {@code -j REJECT --reject-with tcp-reset}.
   */
  public static byte[] tcpResetFor(Packet p) {
    FrameBuilder b = ip(p.dst(), p.src()).macs(p.dstMac(), p.srcMac());
    if (p.vlan() >= 0) {
      b.vlan(p.vlan());
    }
    if (p.hasTcpFlag(Packet.TCP_ACK)) {
      return b.tcp(p.dstPort(), p.srcPort(), Packet.TCP_RST).seq(p.ack()).window(0).build();
    }
    long len = p.payloadLength() + (p.hasTcpFlag(Packet.TCP_SYN) ? 1 : 0)
        + (p.hasTcpFlag(Packet.TCP_FIN) ? 1 : 0);
    return b.tcp(p.dstPort(), p.srcPort(), Packet.TCP_RST | Packet.TCP_ACK).seq(0)
        .ack(p.seq() + len).window(0).build();
  }

  /**
   * An ICMP destination-unreachable (or ICMPv6 type 1) for {@code p}, sent by {@code from},
   * quoting p's IP packet (up to 548 bytes on IPv4, 1232 on IPv6 as RFC 1812/4443 suggest).
   */
  public static byte[] icmpUnreachableFor(Packet p, IpAddress from, int code) {
    Family family = Family.of(p);
    byte[] quote = ipPacketOf(p.frame(), family == Family.IPV6 ? 1232 : 548);
    FrameBuilder b = ip(from, p.src()).macs(p.dstMac(), p.srcMac())
        .icmp(family == Family.IPV6 ? 1 : 3, code, 0).payload(quote);
    if (p.vlan() >= 0) {
      b.vlan(p.vlan());
    }
    return b.build();
  }

  private byte[] l4Bytes() {
    switch (protocol) {
      case Packet.PROTO_TCP: {
        int hlen = 20 + tcpOptions.length;
        byte[] t = new byte[hlen + payload.length];
        put16(t, 0, srcPort);
        put16(t, 2, dstPort);
        put32(t, 4, seq);
        put32(t, 8, ack);
        t[12] = (byte) ((hlen / 4) << 4);
        t[13] = (byte) tcpFlags;
        put16(t, 14, window);
        System.arraycopy(tcpOptions, 0, t, 20, tcpOptions.length);
        System.arraycopy(payload, 0, t, hlen, payload.length);
        put16(t, 16, transportChecksum(t));
        return t;
      }
      case Packet.PROTO_UDP: {
        byte[] u = new byte[8 + payload.length];
        put16(u, 0, srcPort);
        put16(u, 2, dstPort);
        put16(u, 4, u.length);
        System.arraycopy(payload, 0, u, 8, payload.length);
        int c = transportChecksum(u);
        put16(u, 6, c == 0 ? 0xFFFF : c);
        return u;
      }
      case Packet.PROTO_ICMP:
      case Packet.PROTO_ICMPV6: {
        byte[] m = new byte[8 + payload.length];
        m[0] = (byte) icmpType;
        m[1] = (byte) icmpCode;
        put32(m, 4, icmpRest & 0xFFFF_FFFFL);
        System.arraycopy(payload, 0, m, 8, payload.length);
        int c = protocol == Packet.PROTO_ICMPV6 ? transportChecksum(m) : checksum(m, 0, m.length, 0);
        put16(m, 2, c);
        return m;
      }
      default:
        return payload.clone();
    }
  }

  private int transportChecksum(byte[] seg) {
    return Checksums.transport(src, dst, protocol, seg, 0, seg.length);
  }

  private byte[] ipv4(byte[] l4) {
    byte[] ip = new byte[20 + l4.length];
    ip[0] = 0x45;
    put16(ip, 2, ip.length);
    put16(ip, 4, ipId);
    put16(ip, 6, 0x4000); // DF
    ip[8] = (byte) ttl;
    ip[9] = (byte) protocol;
    System.arraycopy(src.toBytes(), 0, ip, 12, 4);
    System.arraycopy(dst.toBytes(), 0, ip, 16, 4);
    put16(ip, 10, checksum(ip, 0, 20, 0));
    System.arraycopy(l4, 0, ip, 20, l4.length);
    return ip;
  }

  private byte[] ipv6(byte[] l4) {
    byte[] ip = new byte[40 + l4.length];
    ip[0] = 0x60;
    put16(ip, 4, l4.length);
    ip[6] = (byte) protocol;
    ip[7] = (byte) ttl;
    System.arraycopy(src.toBytes(), 0, ip, 8, 16);
    System.arraycopy(dst.toBytes(), 0, ip, 24, 16);
    System.arraycopy(l4, 0, ip, 40, l4.length);
    return ip;
  }

  /** RFC 1071 Internet checksum of {@code b[off..off+len)} plus a pre-summed pseudo header. */
  public static int checksum(byte[] b, int off, int len, long initial) {
    return ~Checksums.fold(initial + Checksums.sum(b, off, len)) & 0xFFFF;
  }

  private static void writeMac(ByteArrayOutputStream out, long mac) {
    for (int i = 5; i >= 0; i--) {
      out.write((int) (mac >>> (8 * i)) & 0xFF);
    }
  }

  private static void write16(ByteArrayOutputStream out, int v) {
    out.write((v >>> 8) & 0xFF);
    out.write(v & 0xFF);
  }
}
