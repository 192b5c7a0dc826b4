package io.statewall.firewall.forwarding;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.Objects;
import java.util.Optional;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.ICMPv4Code;
import org.projectfloodlight.openflow.types.ICMPv4Type;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.IpProtocol;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.OFVlanVidMatch;
import org.projectfloodlight.openflow.types.TransportPort;

/**
 * One direction of one connection as a switch matches it: MACs, EtherType, addresses, protocol,
 * and L4 ports or ICMP type and code. The in_port is added per switch by {@link #toMatch}.
 *
 * @param vlan the VLAN id, -1 when untagged
 * @param srcPort TCP/UDP source port, -1 when not TCP/UDP
 * @param icmpType ICMP type, -1 when not ICMP
 */
public record ExactMatch(int ethType, MacAddress ethSrc, MacAddress ethDst, int vlan,
    IPAddress<?> src, IPAddress<?> dst, int ipProto, int srcPort, int dstPort, int icmpType,
    int icmpCode) {

  public ExactMatch {
    Objects.requireNonNull(ethSrc, "ethSrc");
    Objects.requireNonNull(ethDst, "ethDst");
    Objects.requireNonNull(src, "src");
    Objects.requireNonNull(dst, "dst");
  }

  /** The match for packets like {@code p}; empty when {@code p} is not a whole IP packet. */
  public static Optional<ExactMatch> of(Packet p) {
    if (!p.isIp() || p.malformed() != null || p.src() == null || p.dst() == null) {
      return Optional.empty();
    }
    if (p.isFragmented()) {
      // a switch reads no ports in any fragment (OVS frag mode "normal": ports 0), the first one
      // included: an entry made from a fragment would match other traffic, never its fragments
      return Optional.empty();
    }
    if (p.protocol() == Packet.PROTO_ICMPV6 && p.icmpType() >= 133 && p.icmpType() <= 137) {
      return Optional.empty(); // neighbour discovery is link control, not a connection to cache
    }
    boolean ports = p.isTcp() || p.isUdp();
    return Optional.of(new ExactMatch(p.etherType(), MacAddress.of(p.srcMac()),
        MacAddress.of(p.dstMac()), p.vlan(), address(p.src()), address(p.dst()), p.protocol(),
        ports ? p.srcPort() : -1, ports ? p.dstPort() : -1,
        p.isIcmp() ? p.icmpType() : -1, p.isIcmp() ? p.icmpCode() : -1));
  }

  /**
   * The match of a tracked connection's original direction, from conntrack's tuple and the frame's
   * MACs and VLAN (-1 untagged): what {@link #of} gives for a packet of that direction.
   */
  public static ExactMatch ofOriginal(CtEntry e, MacAddress ethSrc, MacAddress ethDst, int vlan) {
    CtTuple t = e.tuple(CtDirection.ORIGINAL);
    return new ExactMatch(e.family() == Family.IPV6 ? Packet.ETH_IPV6 : Packet.ETH_IPV4, ethSrc,
        ethDst, vlan, address(t.src()), address(t.dst()), t.protocol(), t.srcPort(), t.dstPort(),
        t.icmpType(), t.icmpCode());
  }

  /**
   * Whether this is {@link #ofOriginal} of {@code e} with this match's own MACs and VLAN: an IPv4
   * connection's compared field by field, without building a match and its addresses.
   */
  public boolean isOriginalOf(CtEntry e) {
    if (e.family() != family() || e.protocol() != ipProto) {
      return false;
    }
    if (e.family() == Family.IPV6 || !(src instanceof IPv4Address s) || !(dst instanceof IPv4Address d)) {
      return equals(ofOriginal(e, ethSrc, ethDst, vlan));
    }
    if (e.v4Addresses() != (((long) s.getInt() << 32) | (d.getInt() & 0xFFFF_FFFFL))) {
      return false;
    }
    int p = e.packedPorts();
    if (ipProto == Packet.PROTO_TCP || ipProto == Packet.PROTO_UDP) {
      return srcPort == p >>> 16 && dstPort == (p & 0xFFFF) && icmpType < 0 && icmpCode < 0;
    }
    if (ipProto == Packet.PROTO_ICMP || ipProto == Packet.PROTO_ICMPV6) {
      return icmpType == ((p >>> 8) & 0xFF) && icmpCode == (p & 0xFF) && srcPort < 0 && dstPort < 0;
    }
    return srcPort < 0 && dstPort < 0 && icmpType < 0 && icmpCode < 0;
  }

  public static IPAddress<?> address(IpAddress a) {
    return a.isV6() ? IPv6Address.of(a.hi(), a.lo()) : IPv4Address.of(a.v4Int());
  }

  public boolean isIcmp() {
    return icmpType >= 0;
  }

  public Family family() {
    return ethType == Packet.ETH_IPV6 ? Family.IPV6 : Family.IPV4;
  }

  /**
   * The match for the other direction: addresses and ports swapped, an ICMP query's reply type.
   * Empty for ICMP messages that get no reply (errors, replies seen first and the like).
   */
  public Optional<ExactMatch> reverse() {
    int rtype = -1;
    if (isIcmp()) {
      rtype = IcmpQueries.replyType(family(), icmpType);
      if (rtype < 0) {
        return Optional.empty();
      }
    }
    return Optional.of(new ExactMatch(ethType, ethDst, ethSrc, vlan, dst, src, ipProto, dstPort,
        srcPort, rtype, isIcmp() ? 0 : -1));
  }

  /** Whether a switch speaking {@code factory}'s version can match this exactly (IPv6 needs 1.2+). */
  public boolean expressibleOn(OFFactory factory) {
    return !(family() == Family.IPV6 && factory.getVersion() == OFVersion.OF_10);
  }

  /** The OpenFlow match on {@code inPort}; empty if this switch's version cannot express it (IPv6 on 1.0). */
  public Optional<Match> toMatch(OFFactory factory, OFPort inPort) {
    if (!expressibleOn(factory)) {
      return Optional.empty();
    }
    if (ConnectionMatch.writes(factory)) {
      // written straight from this record onto the wire: openflowj's OXM list costs an EnumMap of
      // every match field and an object per field, for every entry of every connection
      return Optional.of(ConnectionMatch.of(factory, this, inPort, 0, 0));
    }
    Match.Builder b = factory.buildMatch()
        .setExact(MatchField.IN_PORT, inPort)
        .setExact(MatchField.ETH_SRC, ethSrc)
        .setExact(MatchField.ETH_DST, ethDst)
        .setExact(MatchField.ETH_TYPE, EthType.of(ethType));
    if (vlan >= 0) {
      b.setExact(MatchField.VLAN_VID, OFVlanVidMatch.ofVlan(vlan));
    }
    b.setExact(MatchField.IPV4_SRC, (IPv4Address) src).setExact(MatchField.IPV4_DST, (IPv4Address) dst);
    b.setExact(MatchField.IP_PROTO, IpProtocol.of((short) ipProto));
    if (ipProto == Packet.PROTO_TCP) {
      b.setExact(MatchField.TCP_SRC, TransportPort.of(srcPort))
          .setExact(MatchField.TCP_DST, TransportPort.of(dstPort));
    } else if (ipProto == Packet.PROTO_UDP) {
      b.setExact(MatchField.UDP_SRC, TransportPort.of(srcPort))
          .setExact(MatchField.UDP_DST, TransportPort.of(dstPort));
    } else if (ipProto == Packet.PROTO_ICMP) {
      b.setExact(MatchField.ICMPV4_TYPE, ICMPv4Type.of((short) icmpType))
          .setExact(MatchField.ICMPV4_CODE, ICMPv4Code.of((short) icmpCode));
    }
    return Optional.of(b.build());
  }

  /**
   * OpenFlow 1.3+: the match on {@code inPort} of TCP segments with the flag {@code flag} set
   * (whatever the others): 1.5's {@code tcp_flags}, Open vSwitch's extension of it before. The
   * traps of statewall before session 10, which a reconciler still meets in a switch.
   */
  public Match withTcpFlag(OFFactory factory, OFPort inPort, int flag) {
    return ConnectionMatch.of(factory, this, inPort, flag, flag);
  }

  /**
   * OpenFlow 1.3+: the match on {@code inPort} of TCP segments with none of the flags in {@code
   * flags} set: a TCP connection's entry where it enters the network, which leaves its FIN, SYN and
   * RST to the trap below it ({@link TeardownTraps}).
   */
  Match withoutTcpFlags(OFFactory factory, OFPort inPort, int flags) {
    return ConnectionMatch.of(factory, this, inPort, 0, flags);
  }
}
