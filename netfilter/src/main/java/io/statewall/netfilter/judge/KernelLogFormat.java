package io.statewall.netfilter.judge;

import static io.statewall.netfilter.packet.Bytes.u16;
import static io.statewall.netfilter.packet.Bytes.u32;

import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.VlanTags;

/**
 * Formats a packet the way the kernel's LOG target does (nf_log_ipv4 / nf_log_ipv6), so that log
 * parsers written for iptables read statewall's lines unchanged.
 *
 * <p>Fields the kernel reads from the IP header (TOS, ID, DF, traffic class, flow label) come from the
 * frame bytes when the packet has them, and are zero otherwise. As on Linux, MAC= is printed only
 * where the packet has arrived from a link (INPUT, FORWARD, PREROUTING), not in OUTPUT.
 */
public final class KernelLogFormat {
  private KernelLogFormat() {}

  /**
   * @param prefix the --log-prefix, printed as given (iptables users put the trailing space in it)
   * @param in the input interface name, "" when none
   * @param out the output interface name, "" when none
   */
  public static String format(String prefix, Packet p, String in, String out) {
    StringBuilder sb = new StringBuilder(192);
    sb.append(prefix).append("IN=").append(in).append(" OUT=").append(out).append(' ');
    if (!in.isEmpty()) {
      sb.append("MAC=");
      appendMac(sb, p.dstMac()).append(':');
      appendMac(sb, p.srcMac()).append(':');
      sb.append(String.format("%02x:%02x ", (p.etherType() >>> 8) & 0xFF, p.etherType() & 0xFF));
    }
    if (!p.isIp()) {
      return sb.toString().stripTrailing();
    }
    byte[] f = p.frame();
    int ip = ipOffset(p);
    boolean haveIp = f != null && ip >= 0 && ip + (p.ipVersion() == 4 ? 20 : 40) <= f.length;
    sb.append("SRC=").append(p.src()).append(" DST=").append(p.dst()).append(" LEN=").append(p.ipLength());
    if (p.ipVersion() == 4) {
      int tos = haveIp ? f[ip + 1] & 0xFF : 0;
      int id = haveIp ? u16(f, ip + 4) : 0;
      int frag = haveIp ? u16(f, ip + 6) : 0;
      sb.append(String.format(" TOS=0x%02X PREC=0x%02X TTL=%d ID=%d", tos & 0x1E, tos & 0xE0, p.ttl(), id));
      if ((frag & 0x8000) != 0) {
        sb.append(" CE");
      }
      if ((frag & 0x4000) != 0) {
        sb.append(" DF");
      }
      if ((frag & 0x2000) != 0) {
        sb.append(" MF");
      }
      if ((frag & 0x1FFF) != 0) {
        sb.append(" FRAG:").append(frag & 0x1FFF);
      }
    } else {
      long first = haveIp ? u32(f, ip) : 0;
      sb.append(String.format(" TC=%d HOPLIMIT=%d FLOWLBL=%d", (first >>> 20) & 0xFF, p.ttl(), first & 0xFFFFF));
    }
    if (p.fragment()) {
      return sb.append(" PROTO=").append(protoName(p)).toString();
    }
    switch (p.protocol()) {
      case Packet.PROTO_TCP -> appendTcp(sb, p);
      case Packet.PROTO_UDP -> sb.append(" PROTO=UDP SPT=").append(p.srcPort()).append(" DPT=")
          .append(p.dstPort()).append(" LEN=").append(p.payloadLength() + 8);
      case Packet.PROTO_ICMP, Packet.PROTO_ICMPV6 -> {
        sb.append(p.protocol() == Packet.PROTO_ICMP ? " PROTO=ICMP" : " PROTO=ICMPv6");
        sb.append(" TYPE=").append(p.icmpType()).append(" CODE=").append(p.icmpCode());
        if (p.icmpId() >= 0) {
          int seq = f != null && p.l4Offset() >= 0 && p.l4Offset() + 8 <= f.length ? u16(f, p.l4Offset() + 6) : 0;
          sb.append(" ID=").append(p.icmpId()).append(" SEQ=").append(seq);
        }
      }
      default -> sb.append(" PROTO=").append(p.protocol());
    }
    return sb.toString();
  }

  private static void appendTcp(StringBuilder sb, Packet p) {
    sb.append(" PROTO=TCP SPT=").append(p.srcPort()).append(" DPT=").append(p.dstPort());
    sb.append(" WINDOW=").append(p.window());
    byte[] f = p.frame();
    int res = f != null && p.l4Offset() >= 0 && p.l4Offset() + 13 <= f.length ? f[p.l4Offset() + 12] & 0x0E : 0;
    sb.append(String.format(" RES=0x%02x", res));
    int flags = Math.max(p.tcpFlags(), 0);
    String[] names = {"CWR", "ECE", "URG", "ACK", "PSH", "RST", "SYN", "FIN"};
    int[] bits = {Packet.TCP_CWR, Packet.TCP_ECE, Packet.TCP_URG, Packet.TCP_ACK, Packet.TCP_PSH,
        Packet.TCP_RST, Packet.TCP_SYN, Packet.TCP_FIN};
    for (int i = 0; i < names.length; i++) {
      if ((flags & bits[i]) != 0) {
        sb.append(' ').append(names[i]);
      }
    }
    int urgp = f != null && p.l4Offset() >= 0 && p.l4Offset() + 20 <= f.length ? u16(f, p.l4Offset() + 18) : 0;
    sb.append(" URGP=").append(urgp);
  }

  private static String protoName(Packet p) {
    return switch (p.protocol()) {
      case Packet.PROTO_TCP -> "TCP";
      case Packet.PROTO_UDP -> "UDP";
      case Packet.PROTO_ICMP -> "ICMP";
      case Packet.PROTO_ICMPV6 -> "ICMPv6";
      default -> Integer.toString(p.protocol());
    };
  }

  /** The IP header's offset, after the VLAN tags the parser skipped (netfilter's VlanTags). */
  private static int ipOffset(Packet p) {
    if (p.frame() == null || p.frame().length < 14) {
      return -1;
    }
    if (p.l3Offset() >= 0) {
      return p.l3Offset();
    }
    int off = VlanTags.etherTypeOffset(p.frame());
    return off < 0 ? -1 : off + 2;
  }

  private static StringBuilder appendMac(StringBuilder sb, long mac) {
    for (int i = 5; i >= 0; i--) {
      sb.append(String.format("%02x", (mac >>> (8 * i)) & 0xFF));
      if (i > 0) {
        sb.append(':');
      }
    }
    return sb;
  }
}
