package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;

/** Prints connections and expectations the way conntrack-tools 1.4.7 does ({@code conntrack -L}). */
final class ConntrackFormat {

  private ConntrackFormat() {}

  static String protoName(int proto) {
    switch (proto) {
      case Packet.PROTO_TCP: return "tcp";
      case Packet.PROTO_UDP: return "udp";
      case Packet.PROTO_ICMP: return "icmp";
      case Packet.PROTO_ICMPV6: return "icmpv6";
      case 132: return "sctp";
      case 47: return "gre";
      case 33: return "dccp";
      case 136: return "udplite";
      default: return "unknown";
    }
  }

  /** {@code tcp      6 431999 ESTABLISHED src=... [ASSURED] mark=0 use=1}. */
  static String entry(CtEntry e, long now) {
    StringBuilder sb = new StringBuilder(200);
    String name = protoName(e.protocol());
    sb.append(name);
    for (int i = name.length(); i < 8; i++) {
      sb.append(' ');
    }
    sb.append(' ').append(e.protocol()).append(' ');
    sb.append(Math.max(0, (e.expires - now) / 1000)).append(' ');
    if (e.protocol() == Packet.PROTO_TCP) {
      sb.append(TcpTracker.stateName(e.tcpState)).append(' ');
    }
    tuple(sb, e.tuple(CtDirection.ORIGINAL));
    if (!e.hasStatus(CtEntry.SEEN_REPLY)) {
      sb.append("[UNREPLIED] ");
    }
    tuple(sb, e.tuple(CtDirection.REPLY));
    if (e.hasStatus(CtEntry.ASSURED)) {
      sb.append("[ASSURED] ");
    }
    sb.append("mark=0 ");
    String helper = e.helper();
    if (helper != null) {
      sb.append("helper=").append(helper).append(' ');
    }
    CtExtra x = e.extra;
    sb.append("use=").append(1 + (x == null ? 0 : x.children.get()));
    return sb.toString();
  }

  /**
   * {@code 299 proto=6 src=... dst=... sport=0 dport=N mask-src=... mask-dst=... sport=0
   * dport=65535 master-src=... master-dst=... sport=... dport=... class=0 helper=ftp}.
   */
  static String expectation(Expectation x, long now) {
    StringBuilder sb = new StringBuilder(200);
    sb.append(Math.max(0, (x.expires - now) / 1000)).append(' ');
    sb.append("proto=").append(x.protocol()).append(' ');
    sb.append("src=").append(x.src()).append(" dst=").append(x.dst()).append(' ');
    sb.append("sport=0 dport=").append(x.dstPort()).append(' ');
    String full = x.src().isV6() ? "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" : "255.255.255.255";
    sb.append("mask-src=").append(full).append(" mask-dst=").append(full).append(' ');
    sb.append("sport=0 dport=65535 ");
    CtTuple m = x.master().tuple(CtDirection.ORIGINAL);
    sb.append("master-src=").append(m.src()).append(" master-dst=").append(m.dst()).append(' ');
    sb.append("sport=").append(m.srcPort()).append(" dport=").append(m.dstPort()).append(' ');
    sb.append("class=0");
    if (x.helper() != null) {
      sb.append(" helper=").append(x.helper());
    }
    return sb.toString();
  }

  private static void tuple(StringBuilder sb, CtTuple t) {
    sb.append("src=").append(addr(t.src())).append(" dst=").append(addr(t.dst())).append(' ');
    if (t.isIcmp()) {
      sb.append("type=").append(t.icmpType()).append(" code=").append(t.icmpCode())
          .append(" id=").append(t.icmpId()).append(' ');
    } else if (t.srcPort() >= 0) {
      sb.append("sport=").append(t.srcPort()).append(" dport=").append(t.dstPort()).append(' ');
    }
  }

  private static String addr(IpAddress a) {
    return a.toString();
  }
}
