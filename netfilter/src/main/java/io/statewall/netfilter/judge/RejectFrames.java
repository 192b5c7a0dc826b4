package io.statewall.netfilter.judge;

import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import java.util.Map;
import java.util.Optional;

/**
 * The packet Linux's REJECT target sends back for each {@code --reject-with} type: a TCP RST, or an
 * ICMP / ICMPv6 destination-unreachable with the type's code, from the rejected packet's destination.
 *
 * <p>As in nf_reject: nothing answers a RST, an ICMP error, a non-first fragment, or a packet to a
 * group address.
 */
final class RejectFrames {
  private static final Map<String, Integer> ICMP_CODES = Map.ofEntries(
      Map.entry("icmp-net-unreachable", 0), Map.entry("icmp-host-unreachable", 1),
      Map.entry("icmp-proto-unreachable", 2), Map.entry("icmp-port-unreachable", 3),
      Map.entry("icmp-net-prohibited", 9), Map.entry("icmp-host-prohibited", 10),
      Map.entry("icmp-admin-prohibited", 13),
      Map.entry("icmp6-no-route", 0), Map.entry("icmp6-adm-prohibited", 1),
      Map.entry("icmp6-addr-unreachable", 3), Map.entry("icmp6-port-unreachable", 4),
      Map.entry("icmp6-policy-fail", 5), Map.entry("icmp6-reject-route", 6));

  private RejectFrames() {}

  public static Optional<byte[]> answer(Packet p, String rejectWith) {
    if (p.fragment() || p.frame() == null || (p.dstMac() & 0x0100_0000_0000L) != 0) {
      return Optional.empty();
    }
    if ("tcp-reset".equals(rejectWith)) {
      return p.isTcp() && !p.hasTcpFlag(Packet.TCP_RST)
          ? Optional.of(FrameBuilder.tcpResetFor(p)) : Optional.empty();
    }
    if (p.isIcmp() && isIcmpError(p)) {
      return Optional.empty();
    }
    Integer code = ICMP_CODES.get(rejectWith);
    if (code == null) {
      code = p.ipVersion() == 6 ? 4 : 3;
    }
    return Optional.of(FrameBuilder.icmpUnreachableFor(p, p.dst(), code));
  }

  private static boolean isIcmpError(Packet p) {
    int t = p.icmpType();
    return p.protocol() == Packet.PROTO_ICMP ? (t == 3 || t == 4 || t == 5 || t == 11 || t == 12) : t < 128;
  }
}
