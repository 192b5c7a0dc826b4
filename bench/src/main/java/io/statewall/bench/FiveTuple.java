package io.statewall.bench;

import static io.statewall.netfilter.packet.Bytes.i32;
import static io.statewall.netfilter.packet.Bytes.u16;

import io.statewall.netfilter.packet.VlanTags;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IpProtocol;
import org.projectfloodlight.openflow.types.TransportPort;

/**
 * The identity of one benchmark connection (IPv4 TCP), by which its flow-mods and packet-out are
 * recognised when they come back from the controller.
 */
public record FiveTuple(int srcIp, int dstIp, int srcPort, int dstPort) {
  private static final int ETH_IPV4 = 0x0800;
  private static final int PROTO_TCP = 6;

  /** The tuple of an Ethernet frame carrying IPv4 TCP (untagged or tagged), or null. */
  public static FiveTuple fromFrame(byte[] frame) {
    if (frame == null || frame.length < 14) {
      return null;
    }
    int off = VlanTags.etherTypeOffset(frame);
    if (off < 0) {
      return null;
    }
    int etherType = u16(frame, off);
    int ip = off + 2;
    if (etherType != ETH_IPV4 || frame.length < ip + 20 || (frame[ip] >> 4 & 0xF) != 4) {
      return null;
    }
    int ihl = (frame[ip] & 0xF) * 4;
    boolean laterFragment = (u16(frame, ip + 6) & 0x1FFF) != 0;
    if (ihl < 20 || (frame[ip + 9] & 0xFF) != PROTO_TCP || laterFragment) {
      return null;
    }
    int tcp = ip + ihl;
    if (frame.length < tcp + 4) {
      return null;
    }
    return new FiveTuple(
        i32(frame, ip + 12), i32(frame, ip + 16), u16(frame, tcp), u16(frame, tcp + 2));
  }

  /**
   * The tuple a flow-mod's match pins exactly (addresses, TCP, ports), or null when it matches a
   * wider set such as a table-miss or an address-only entry.
   */
  public static FiveTuple fromMatch(Match match) {
    IpProtocol proto = match.get(MatchField.IP_PROTO);
    if (proto == null || proto.getIpProtocolNumber() != PROTO_TCP) {
      return null;
    }
    IPv4Address src = match.get(MatchField.IPV4_SRC);
    IPv4Address dst = match.get(MatchField.IPV4_DST);
    TransportPort sport = match.get(MatchField.TCP_SRC);
    TransportPort dport = match.get(MatchField.TCP_DST);
    if (src == null || dst == null || sport == null || dport == null) {
      return null;
    }
    if (!match.isExact(MatchField.IPV4_SRC) || !match.isExact(MatchField.IPV4_DST)
        || !match.isExact(MatchField.TCP_SRC) || !match.isExact(MatchField.TCP_DST)) {
      return null;
    }
    return new FiveTuple(src.getInt(), dst.getInt(), sport.getPort(), dport.getPort());
  }

  public FiveTuple reversed() {
    return new FiveTuple(dstIp, srcIp, dstPort, srcPort);
  }

  @Override
  public String toString() {
    return IPv4Address.of(srcIp) + ":" + srcPort + " > " + IPv4Address.of(dstIp) + ":" + dstPort;
  }
}
