package io.statewall.apps.main;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.topology.OpenFlowPorts;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowRemoved;
import org.projectfloodlight.openflow.protocol.OFFlowRemovedReason;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.IpProtocol;
import org.projectfloodlight.openflow.types.TransportPort;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.U64;

/** What one member may have another write on its behalf, and the wire form of what it asks. */
class CrossSwitchRelayTest {
  private static final OFFactory F13 = OFFactories.getFactory(OFVersion.OF_13);
  private static final OFFactory F10 = OFFactories.getFactory(OFVersion.OF_10);
  private static final U64 OURS = U64.of(ConnectionCookie.TAG | 0xabcdefL);
  private static final byte[] SYN = FrameBuilder.ip("10.0.0.9", "10.0.0.1").macs(9, 1).tcp(40000, 22, Packet.TCP_SYN)
      .build();
  private static final byte[] LLDP = lldp();

  private static byte[] lldp() {
    byte[] f = SYN.clone();
    f[12] = (byte) 0x88;
    f[13] = (byte) 0xCC;
    return f;
  }

  static Stream<Arguments> messages() {
    return Stream.of(
        Arguments.of("a connection's entry", F13.buildFlowAdd().setCookie(OURS).build(), null),
        Arguments.of("a connection's strict delete", F13.buildFlowDeleteStrict().setCookie(OURS).build(), null),
        Arguments.of("a delete of one connection by cookie", F13.buildFlowDelete().setCookie(OURS)
            .setCookieMask(U64.NO_MASK).build(), null),
        Arguments.of("another application's entry", F13.buildFlowAdd().setCookie(U64.of(0x1234)).build(),
            "foreign cookie"),
        Arguments.of("a table-miss entry (cookie 0)", F13.buildFlowAdd().setCookie(U64.ZERO).build(), "foreign cookie"),
        Arguments.of("a delete whose mask reaches every entry", F13.buildFlowDelete().setCookie(OURS)
            .setCookieMask(U64.ZERO).build(), "foreign cookie"),
        Arguments.of("an OpenFlow 1.0 delete, which ignores cookies", F10.buildFlowDelete().setCookie(OURS).build(),
            "not a connection's"),
        Arguments.of("the far end's packet-out", OpenFlowPorts.packetOut(F13, SYN, List.of(OFPort.of(1))), null),
        Arguments.of("a probe's packet-out", OpenFlowPorts.packetOut(F13, LLDP, List.of(OFPort.of(1))),
            "not a connection's"),
        Arguments.of("a flood", OpenFlowPorts.packetOut(F13, SYN, List.of(OFPort.FLOOD)), "not a connection's"),
        Arguments.of("a packet-out to the controller", OpenFlowPorts.packetOut(F13, SYN, List.of(OFPort.CONTROLLER)),
            "not a connection's"),
        Arguments.of("a packet-out of a switch buffer", F13.buildPacketOut().setBufferId(OFBufferId.of(7))
            .setActions(List.of(F13.actions().output(OFPort.of(1), 0xffff))).build(), "not a connection's"),
        Arguments.of("a port-mod", F13.buildPortMod().setPortNo(OFPort.of(1)).build(), "not a connection's"),
        Arguments.of("a group-mod", F13.buildGroupAdd().setGroupType(org.projectfloodlight.openflow.protocol.OFGroupType.ALL).setGroup(org.projectfloodlight.openflow.types.OFGroup.of(1)).build(), "not a connection's"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("messages")
  void onlyAConnectionsEntriesAndPacketsAreWrittenForAnotherMember(String what, OFMessage m, String refusal) {
    if (refusal == null) {
      assertThat(CrossSwitchRelay.refusal(m)).isEmpty();
    } else {
      assertThat(CrossSwitchRelay.refusal(m)).get().asString().startsWith(refusal);
    }
  }

  @Test
  void aRequestReadsBackAndABadOneIsRefusedSayingWhy() {
    List<OFMessage> msgs = List.of(F13.buildFlowAdd().setCookie(OURS)
        .setMatch(F13.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(2)).build()).build(),
        OpenFlowPorts.packetOut(F13, SYN, List.of(OFPort.of(1))));
    byte[] bytes = CrossSwitchRelay.encodeWrites("B", DatapathId.of(7), msgs);
    CrossSwitchRelay.Request r = CrossSwitchRelay.decode(bytes, 0, bytes.length);
    assertThat(r.to()).isEqualTo("B");
    assertThat(r.dpid()).isEqualTo(DatapathId.of(7));
    assertThat(r.messages()).hasSize(2);
    byte[] pi = CrossSwitchRelay.encodePacketIn("A", DatapathId.of(7), 3, SYN);
    CrossSwitchRelay.Request p = CrossSwitchRelay.decode(pi, 0, pi.length);
    assertThat(p.kind()).isEqualTo(CrossSwitchRelay.KIND_PACKET_IN);
    assertThat(p.inPort()).isEqualTo(3);
    assertThat(p.frame()).isEqualTo(SYN);

    assertThatThrownBy(() -> CrossSwitchRelay.decode(pi, 0, pi.length - 1)).hasMessageContaining("cut short");
    byte[] local = CrossSwitchRelay.encodePacketIn("A", DatapathId.of(7), OFPort.LOCAL.getPortNumber(), SYN);
    assertThatThrownBy(() -> CrossSwitchRelay.decode(local, 0, local.length)).hasMessageContaining("not a physical port");
    byte[] none = bytes.clone();
    none[2] = 9;
    assertThatThrownBy(() -> CrossSwitchRelay.decode(none, 0, none.length)).hasMessageContaining("version 9");
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> CrossSwitchRelay.decode(longer, 0, longer.length)).hasMessageContaining("after the request");
    decodesOrRefusesEveryCorruption(bytes, 20);
  }

  /**
   * 5,000 copies of {@code bytes}, one random byte changed in each: every one decodes or is refused
   * with IllegalArgumentException, what a bad request must get, never another exception.
   */
  private static void decodesOrRefusesEveryCorruption(byte[] bytes, long seed) {
    Random random = new Random(seed);
    for (int i = 0; i < 5_000; i++) {
      byte[] junk = bytes.clone();
      junk[random.nextInt(junk.length)] = (byte) random.nextInt();
      try {
        CrossSwitchRelay.decode(junk, 0, junk.length);
      } catch (IllegalArgumentException e) {
        // refused
      }
    }
  }

  @Test
  void aReportOfFlowRemovedMessagesReadsBackAndABadOneIsRefusedSayingWhy() {
    OFFlowRemoved removed = F13.buildFlowRemoved().setCookie(OURS).setReason(OFFlowRemovedReason.IDLE_TIMEOUT)
        .setMatch(F13.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).build()).setPacketCount(U64.of(3))
        .build();
    byte[] bytes = CrossSwitchRelay.encodeReports("A", DatapathId.of(7), List.of(removed, removed));
    CrossSwitchRelay.Request r = CrossSwitchRelay.decode(bytes, 0, bytes.length);
    assertThat(r.kind()).isEqualTo(CrossSwitchRelay.KIND_FLOW_REMOVED);
    assertThat(r.to()).isEqualTo("A");
    assertThat(r.dpid()).isEqualTo(DatapathId.of(7));
    assertThat(r.messages()).hasSize(2);

    // a message length beyond the request's end is refused before anything of that size is made
    byte[] longClaim = bytes.clone();
    int firstLength = 2 + 1 + 1 + 2 + 1 + 8 + 2; // magic, version, kind, the name "A", the switch, the count
    longClaim[firstLength] = (byte) 0xFF;
    longClaim[firstLength + 1] = (byte) 0xFF;
    assertThatThrownBy(() -> CrossSwitchRelay.decode(longClaim, 0, longClaim.length)).hasMessageContaining("cut short");
    byte[] none = CrossSwitchRelay.encodeReports("A", DatapathId.of(7), List.of());
    assertThatThrownBy(() -> CrossSwitchRelay.decode(none, 0, none.length)).hasMessageContaining("0 messages");
    decodesOrRefusesEveryCorruption(bytes, 21);
  }

  @Test
  void aFlowRemovedNamesItsConnectionByTheTupleOfItsExactTcpOrUdpMatch() {
    var udp = F13.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).setExact(MatchField.ETH_TYPE, EthType.IPv4)
        .setExact(MatchField.IPV4_SRC, IPv4Address.of("10.0.0.1")).setExact(MatchField.IPV4_DST, IPv4Address.of("10.0.0.9"))
        .setExact(MatchField.IP_PROTO, IpProtocol.UDP).setExact(MatchField.UDP_SRC, TransportPort.of(5004))
        .setExact(MatchField.UDP_DST, TransportPort.of(40000)).build();
    assertThat(CrossSwitchRelay.tupleOf(udp)).contains(CtTuple.ports("10.0.0.1", "10.0.0.9", Packet.PROTO_UDP, 5004,
        40000));
    var tcp = F13.buildMatch().setExact(MatchField.ETH_TYPE, EthType.IPv6)
        .setExact(MatchField.IPV6_SRC, IPv6Address.of("2001:db8::1")).setExact(MatchField.IPV6_DST, IPv6Address.of("2001:db8::9"))
        .setExact(MatchField.IP_PROTO, IpProtocol.TCP).setExact(MatchField.TCP_SRC, TransportPort.of(22))
        .setExact(MatchField.TCP_DST, TransportPort.of(40000)).build();
    assertThat(CrossSwitchRelay.tupleOf(tcp)).contains(CtTuple.ports("2001:db8::1", "2001:db8::9", Packet.PROTO_TCP,
        22, 40000));
    var icmp = F13.buildMatch().setExact(MatchField.ETH_TYPE, EthType.IPv4)
        .setExact(MatchField.IPV4_SRC, IPv4Address.of("10.0.0.1")).setExact(MatchField.IPV4_DST, IPv4Address.of("10.0.0.9"))
        .setExact(MatchField.IP_PROTO, IpProtocol.ICMP).build();
    assertThat(CrossSwitchRelay.tupleOf(icmp)).as("ICMP: no identifier in the match").isEmpty();
    assertThat(CrossSwitchRelay.tupleOf(F13.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).build())).isEmpty();
    assertThat(CrossSwitchRelay.tupleOf(F10.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).build()))
        .as("OpenFlow 1.0, which has no IPv6 fields").isEmpty();
  }
}
