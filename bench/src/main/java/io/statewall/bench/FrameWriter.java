package io.statewall.bench;

/**
 * Writes the Ethernet frames emulated hosts send: TCP SYNs and gratuitous ARPs, as real bytes with
 * correct IPv4 and TCP checksums, padded to Ethernet's 60-byte minimum like a frame seen on a wire.
 */
public final class FrameWriter {
  /** Ethernet 14 + IPv4 20 + TCP 20 + MSS option 4 = 58, padded to 60. */
  public static final int SYN_FRAME_LENGTH = 60;

  private static final int ETH_LEN = 14;
  private static final int IP_LEN = 20;
  private static final int TCP_LEN = 24;
  private static final int MIN_FRAME = 60;
  private static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

  private FrameWriter() {}

  /** A TCP SYN with an MSS option of 1460, TTL 64, window 64240, as Linux sends it (minus options). */
  public static byte[] tcpSyn(
      long srcMac, long dstMac, int srcIp, int dstIp, int srcPort, int dstPort, long seq) {
    byte[] f = new byte[SYN_FRAME_LENGTH];
    ethernet(f, dstMac, srcMac, 0x0800);
    int tcp = ipv4Tcp(f, TCP_LEN, seq, srcIp, dstIp);
    putShort(f, tcp, srcPort);
    putShort(f, tcp + 2, dstPort);
    putInt(f, tcp + 4, (int) seq);
    f[tcp + 12] = (byte) ((TCP_LEN / 4) << 4);
    f[tcp + 13] = 0x02; // SYN
    putShort(f, tcp + 14, 64240);
    f[tcp + 20] = 2; // MSS option
    f[tcp + 21] = 4;
    putShort(f, tcp + 22, 1460);
    int pseudo = pseudoHeaderSum(srcIp, dstIp, 6, TCP_LEN);
    putShort(f, tcp + 16, checksum(f, tcp, TCP_LEN, pseudo));
    return f;
  }

  /**
   * The IPv4 header of a TCP segment of {@code tcpLen} bytes after the Ethernet header: DF, TTL 64,
   * identification from the sequence number (any value, varied as a host would), checksum; returns
   * where the TCP header starts.
   */
  private static int ipv4Tcp(byte[] f, int tcpLen, long seq, int srcIp, int dstIp) {
    return ipv4(f, 6, tcpLen, (int) (seq & 0xFFFF), srcIp, dstIp);
  }

  /** The IPv4 header of a datagram of {@code protocol} carrying {@code payloadLen} bytes; returns where the payload starts. */
  private static int ipv4(byte[] f, int protocol, int payloadLen, int id, int srcIp, int dstIp) {
    int ip = ETH_LEN;
    f[ip] = 0x45;
    putShort(f, ip + 2, IP_LEN + payloadLen);
    putShort(f, ip + 4, id & 0xFFFF);
    putShort(f, ip + 6, 0x4000); // don't fragment
    f[ip + 8] = 64;
    f[ip + 9] = (byte) protocol;
    putInt(f, ip + 12, srcIp);
    putInt(f, ip + 16, dstIp);
    putShort(f, ip + 10, checksum(f, ip, IP_LEN, 0));
    return ip + IP_LEN;
  }

  /**
   * A minimum-size IPv4 frame of an IP protocol without ports (255 by default in controller
   * benchmarks such as cbench): what a switch emulator sends to see whether a controller answers.
   */
  public static byte[] ipv4Datagram(long srcMac, long dstMac, int srcIp, int dstIp, int protocol, int id) {
    byte[] f = new byte[MIN_FRAME];
    ethernet(f, dstMac, srcMac, 0x0800);
    ipv4(f, protocol, MIN_FRAME - ETH_LEN - IP_LEN, id, srcIp, dstIp);
    return f;
  }

  /** A TCP segment without options (a handshake's SYN-ACK or ACK), TTL 64, window 64240. */
  public static byte[] tcpSegment(long srcMac, long dstMac, int srcIp, int dstIp, int srcPort,
      int dstPort, long seq, long ack, int flags) {
    int tcpLen = 20;
    byte[] f = new byte[MIN_FRAME];
    ethernet(f, dstMac, srcMac, 0x0800);
    int tcp = ipv4Tcp(f, tcpLen, seq, srcIp, dstIp);
    putShort(f, tcp, srcPort);
    putShort(f, tcp + 2, dstPort);
    putInt(f, tcp + 4, (int) seq);
    putInt(f, tcp + 8, (int) ack);
    f[tcp + 12] = (byte) ((tcpLen / 4) << 4);
    f[tcp + 13] = (byte) flags;
    putShort(f, tcp + 14, 64240);
    putShort(f, tcp + 16, checksum(f, tcp, tcpLen, pseudoHeaderSum(srcIp, dstIp, 6, tcpLen)));
    return f;
  }

  /**
   * The answer an emulated host gives to a TCP handshake segment it received ({@code frame}, IPv4
   * without VLAN, as {@link #tcpSyn} and {@link #tcpSegment} write them): SYN-ACK to a SYN, ACK to
   * a SYN-ACK, with the sequence numbers a real stack would use; null for anything else.
   */
  public static byte[] handshakeAnswer(byte[] frame) {
    if (frame.length < ETH_LEN + IP_LEN + 20 || u16(frame, 12) != 0x0800 || frame[ETH_LEN + 9] != 6) {
      return null;
    }
    int ip = ETH_LEN;
    int tcp = ip + (frame[ip] & 0xF) * 4;
    int flags = frame[tcp + 13] & 0x3F;
    long seq = u32(frame, tcp + 4);
    long ack = u32(frame, tcp + 8);
    long srcMac = mac(frame, 6);
    long dstMac = mac(frame, 0);
    int srcIp = (int) u32(frame, ip + 12);
    int dstIp = (int) u32(frame, ip + 16);
    int sport = u16(frame, tcp);
    int dport = u16(frame, tcp + 2);
    if (flags == 0x02) {
      long isn = (seq * 0x9E37_79B9L) & 0xFFFF_FFFFL; // the server's own initial sequence number
      return tcpSegment(dstMac, srcMac, dstIp, srcIp, dport, sport, isn, (seq + 1) & 0xFFFF_FFFFL, 0x12);
    }
    if (flags == 0x12) {
      return tcpSegment(dstMac, srcMac, dstIp, srcIp, dport, sport, ack, (seq + 1) & 0xFFFF_FFFFL, 0x10);
    }
    return null;
  }

  /** TCP flags of an untagged IPv4 TCP frame, or -1. */
  public static int tcpFlags(byte[] frame) {
    if (frame.length < ETH_LEN + IP_LEN + 20 || u16(frame, 12) != 0x0800 || frame[ETH_LEN + 9] != 6) {
      return -1;
    }
    return frame[ETH_LEN + (frame[ETH_LEN] & 0xF) * 4 + 13] & 0x3F;
  }

  private static int u16(byte[] b, int off) {
    return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
  }

  private static long u32(byte[] b, int off) {
    return ((long) u16(b, off) << 16) | u16(b, off + 2);
  }

  private static long mac(byte[] b, int off) {
    long m = 0;
    for (int i = 0; i < 6; i++) {
      m = (m << 8) | (b[off + i] & 0xFF);
    }
    return m;
  }

  /** A gratuitous ARP request (sender and target address both the host's own), broadcast. */
  public static byte[] gratuitousArp(long srcMac, int srcIp) {
    byte[] f = new byte[MIN_FRAME];
    ethernet(f, BROADCAST, srcMac, 0x0806);
    int a = ETH_LEN;
    putShort(f, a, 1); // Ethernet
    putShort(f, a + 2, 0x0800);
    f[a + 4] = 6;
    f[a + 5] = 4;
    putShort(f, a + 6, 1); // request
    putMac(f, a + 8, srcMac);
    putInt(f, a + 14, srcIp);
    putInt(f, a + 24, srcIp); // target hardware address stays zero
    return f;
  }

  /** The ones' complement sum of {@code len} bytes, folded, complemented: the Internet checksum. */
  static int checksum(byte[] b, int off, int len, int initialSum) {
    long sum = initialSum & 0xFFFF_FFFFL;
    int i = 0;
    for (; i + 1 < len; i += 2) {
      sum += ((b[off + i] & 0xFF) << 8) | (b[off + i + 1] & 0xFF);
    }
    if (i < len) {
      sum += (b[off + i] & 0xFF) << 8;
    }
    while ((sum >> 16) != 0) {
      sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return (int) (~sum & 0xFFFF);
  }

  static int pseudoHeaderSum(int srcIp, int dstIp, int protocol, int l4Length) {
    return (srcIp >>> 16) + (srcIp & 0xFFFF) + (dstIp >>> 16) + (dstIp & 0xFFFF) + protocol + l4Length;
  }

  private static void ethernet(byte[] f, long dstMac, long srcMac, int etherType) {
    putMac(f, 0, dstMac);
    putMac(f, 6, srcMac);
    putShort(f, 12, etherType);
  }

  private static void putMac(byte[] b, int off, long mac) {
    for (int i = 0; i < 6; i++) {
      b[off + i] = (byte) (mac >>> (40 - 8 * i));
    }
  }

  private static void putShort(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 8);
    b[off + 1] = (byte) v;
  }

  private static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
