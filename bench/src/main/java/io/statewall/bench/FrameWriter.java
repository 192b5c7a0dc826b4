package io.statewall.bench;

import static io.statewall.netfilter.packet.Bytes.put16;
import static io.statewall.netfilter.packet.Bytes.put32;
import static io.statewall.netfilter.packet.Bytes.put48;
import static io.statewall.netfilter.packet.Bytes.u16;
import static io.statewall.netfilter.packet.Bytes.u32;
import static io.statewall.netfilter.packet.Bytes.u48;

import io.statewall.netfilter.packet.FrameBuilder;

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
    put16(f, tcp, srcPort);
    put16(f, tcp + 2, dstPort);
    put32(f, tcp + 4, (int) seq);
    f[tcp + 12] = (byte) ((TCP_LEN / 4) << 4);
    f[tcp + 13] = 0x02; // SYN
    put16(f, tcp + 14, 64240);
    f[tcp + 20] = 2; // MSS option
    f[tcp + 21] = 4;
    put16(f, tcp + 22, 1460);
    int pseudo = pseudoHeaderSum(srcIp, dstIp, 6, TCP_LEN);
    put16(f, tcp + 16, checksum(f, tcp, TCP_LEN, pseudo));
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
    put16(f, ip + 2, IP_LEN + payloadLen);
    put16(f, ip + 4, id & 0xFFFF);
    put16(f, ip + 6, 0x4000); // don't fragment
    f[ip + 8] = 64;
    f[ip + 9] = (byte) protocol;
    put32(f, ip + 12, srcIp);
    put32(f, ip + 16, dstIp);
    put16(f, ip + 10, checksum(f, ip, IP_LEN, 0));
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
    put16(f, tcp, srcPort);
    put16(f, tcp + 2, dstPort);
    put32(f, tcp + 4, (int) seq);
    put32(f, tcp + 8, (int) ack);
    f[tcp + 12] = (byte) ((tcpLen / 4) << 4);
    f[tcp + 13] = (byte) flags;
    put16(f, tcp + 14, 64240);
    put16(f, tcp + 16, checksum(f, tcp, tcpLen, pseudoHeaderSum(srcIp, dstIp, 6, tcpLen)));
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
    long srcMac = u48(frame, 6);
    long dstMac = u48(frame, 0);
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

  /** A gratuitous ARP request (sender and target address both the host's own), broadcast. */
  public static byte[] gratuitousArp(long srcMac, int srcIp) {
    byte[] f = new byte[MIN_FRAME];
    ethernet(f, BROADCAST, srcMac, 0x0806);
    int a = ETH_LEN;
    put16(f, a, 1); // Ethernet
    put16(f, a + 2, 0x0800);
    f[a + 4] = 6;
    f[a + 5] = 4;
    put16(f, a + 6, 1); // request
    put48(f, a + 8, srcMac);
    put32(f, a + 14, srcIp);
    put32(f, a + 24, srcIp); // target hardware address stays zero
    return f;
  }

  /** The ones' complement sum of {@code len} bytes, folded, complemented: the Internet checksum. */
  static int checksum(byte[] b, int off, int len, int initialSum) {
    return FrameBuilder.checksum(b, off, len, initialSum & 0xFFFF_FFFFL);
  }

  static int pseudoHeaderSum(int srcIp, int dstIp, int protocol, int l4Length) {
    return (srcIp >>> 16) + (srcIp & 0xFFFF) + (dstIp >>> 16) + (dstIp & 0xFFFF) + protocol + l4Length;
  }

  private static void ethernet(byte[] f, long dstMac, long srcMac, int etherType) {
    put48(f, 0, dstMac);
    put48(f, 6, srcMac);
    put16(f, 12, etherType);
  }
}
