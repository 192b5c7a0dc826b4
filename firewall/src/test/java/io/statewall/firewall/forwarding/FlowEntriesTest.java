package io.statewall.firewall.forwarding;

import static io.statewall.firewall.forwarding.fakes.TestFrames.ip;
import static io.statewall.firewall.forwarding.fakes.TestFrames.ip6;
import static io.statewall.firewall.forwarding.fakes.TestFrames.mac;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.topology.Attachment;
import io.statewall.topology.discovery.DiscoverySettings;
import io.statewall.topology.fakes.FakeSwitch;
import io.statewall.firewall.forwarding.fakes.TestFrames;
import io.statewall.firewall.forwarding.fakes.TestNet;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFFlowModFlags;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;
import org.projectfloodlight.openflow.protocol.instruction.OFInstructionApplyActions;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.ICMPv4Code;
import org.projectfloodlight.openflow.types.ICMPv4Type;
import org.projectfloodlight.openflow.types.IpProtocol;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TransportPort;
import org.projectfloodlight.openflow.types.U8;

/** h1 on s1/3, h3 on s3/3, switches s1 - s2 - s3 in a line (s_i/1 faces s_i+1, s_i/2 faces s_i-1). */
class FlowEntriesTest {

  private static final ForwardingSettings SETTINGS = new ForwardingSettings(30, 1234);

  private TestNet line(OFVersion v, ConnectionDecider decider) {
    TestNet net = TestNet.chain(decider, SETTINGS, 3, false, v);
    net.attach(1, 1, 3);
    net.attach(3, 3, 3);
    return net;
  }

  static OFAction onlyAction(OFFlowAdd fa) {
    List<OFAction> actions = fa.getVersion() == OFVersion.OF_10 ? fa.getActions()
        : ((OFInstructionApplyActions) fa.getInstructions().get(0)).getActions();
    assertThat(actions).hasSize(1);
    return actions.get(0);
  }

  static int outPort(OFFlowAdd fa) {
    return ((OFActionOutput) onlyAction(fa)).getPort().getPortNumber();
  }

  static OFFlowAdd entryFrom(FakeSwitch sw, int inPort) {
    return sw.flowAdds().stream()
        .filter(f -> f.getMatch().get(MatchField.IN_PORT).getPortNumber() == inPort)
        .findFirst().orElseThrow(() -> new AssertionError("no entry on " + sw + " in_port " + inPort));
  }

  @Test
  void tcpConnectionGetsExactEntriesBothWaysOnEverySwitchOfThePath() {
    TestNet net = line(OFVersion.OF_13, new OpenPolicy());
    net.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));

    // forward: s1 3->1, s2 2->1, s3 2->3; reply: s3 3->2, s2 1->2, s1 1->3
    Map<Long, int[][]> expected = Map.of(1L, new int[][] {{3, 1}, {1, 3}},
        2L, new int[][] {{2, 1}, {1, 2}}, 3L, new int[][] {{2, 3}, {3, 2}});
    expected.forEach((sw, entries) -> {
      assertThat(net.sw(sw).flowAdds()).hasSize(2);
      for (int[] e : entries) {
        assertThat(outPort(entryFrom(net.sw(sw), e[0]))).isEqualTo(e[1]);
      }
    });
    Match fwd = entryFrom(net.sw(2), 2).getMatch();
    assertThat(fwd.get(MatchField.ETH_SRC)).isEqualTo(mac(1));
    assertThat(fwd.get(MatchField.ETH_DST)).isEqualTo(mac(3));
    assertThat(fwd.get(MatchField.ETH_TYPE)).isEqualTo(EthType.IPv4);
    assertThat(fwd.get(MatchField.IPV4_SRC)).isEqualTo(ip(1));
    assertThat(fwd.get(MatchField.IPV4_DST)).isEqualTo(ip(3));
    assertThat(fwd.get(MatchField.IP_PROTO)).isEqualTo(IpProtocol.TCP);
    assertThat(fwd.get(MatchField.TCP_SRC)).isEqualTo(TransportPort.of(40000));
    assertThat(fwd.get(MatchField.TCP_DST)).isEqualTo(TransportPort.of(80));
    Match rev = entryFrom(net.sw(2), 1).getMatch();
    assertThat(rev.get(MatchField.IPV4_SRC)).isEqualTo(ip(3));
    assertThat(rev.get(MatchField.ETH_SRC)).isEqualTo(mac(3));
    assertThat(rev.get(MatchField.TCP_SRC)).isEqualTo(TransportPort.of(80));
    assertThat(rev.get(MatchField.TCP_DST)).isEqualTo(TransportPort.of(40000));
    // nothing is wildcarded: every field a TCP/IPv4 match can have, except VLAN, is exact
    for (MatchField<?> f : fwd.getMatchFields()) {
      assertThat(fwd.isExact(f)).as(f.getName()).isTrue();
    }
    assertThat(fwd.getMatchFields()).hasSize(9);
  }

  @Test
  void forwardingAloneWritesNoTrapsAndItsIngressEntriesMatchEverySegment() {
    // without conntrack nobody needs the FIN: an ingress entry that left FIN, SYN and RST to a trap
    // that is not there would send every teardown to the table-miss entry
    TestNet net = line(OFVersion.OF_13, new OpenPolicy());
    net.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));

    for (Match m : List.of(entryFrom(net.sw(1), 3).getMatch(), entryFrom(net.sw(3), 3).getMatch())) {
      assertThat(m.getMatchFields()).as("%s", m).hasSize(9)
          .doesNotContain(MatchField.OVS_TCP_FLAGS, MatchField.TCP_FLAGS);
    }
    for (long sw = 1; sw <= 3; sw++) {
      assertThat(net.sw(sw).flowAdds()).as("no trap on s%d", sw)
          .noneMatch(fa -> outPort(fa) == OFPort.CONTROLLER.getPortNumber());
    }
  }

  @Test
  void everyEntryCarriesCookieFlowRemovedIdleTimeoutAndPriority() {
    TestNet net = line(OFVersion.OF_13, new OpenPolicy());
    net.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));
    List<OFFlowAdd> all = Stream.of(1L, 2L, 3L).flatMap(s -> net.sw(s).flowAdds().stream()).toList();
    assertThat(all).hasSize(6).allSatisfy(fa -> {
      assertThat(fa.getFlags()).containsExactly(OFFlowModFlags.SEND_FLOW_REM);
      assertThat(fa.getIdleTimeout()).isEqualTo(30);
      assertThat(fa.getHardTimeout()).isZero();
      assertThat(fa.getPriority()).isEqualTo(1234);
      assertThat(ConnectionCookie.isOurs(fa.getCookie())).isTrue();
    });
    assertThat(all).extracting(OFFlowAdd::getCookie).containsOnly(all.get(0).getCookie());

    net.clearWrites();
    net.send(1, 3, TestFrames.tcp(1, 3, 40001, 80));
    assertThat(net.sw(1).flowAdds().get(0).getCookie()).isNotEqualTo(all.get(0).getCookie());
  }

  @Test
  void thePacketIsSentOutAtTheFarEndOnly() {
    TestNet net = line(OFVersion.OF_13, new OpenPolicy());
    byte[] syn = TestFrames.tcp(1, 3, 40000, 80);
    net.send(1, 3, syn);
    assertThat(net.sw(1).packetOuts()).isEmpty();
    assertThat(net.sw(2).packetOuts()).isEmpty();
    OFPacketOut po = net.sw(3).packetOuts().get(0);
    assertThat(po.getData()).isEqualTo(syn);
    assertThat(po.getActions()).containsExactly(
        net.sw(3).factory().actions().output(OFPort.of(3), 0xFFFF));
    // the entries on s3 are queued before the packet-out on the same channel
    assertThat(net.sw(3).written().get(net.sw(3).written().size() - 1)).isEqualTo(po);
  }

  static Stream<Arguments> protocols() {
    return Stream.of(
        Arguments.of("UDP matches its ports", TestFrames.udp(1, 3, 5353, 53),
            Map.of(MatchField.IP_PROTO, IpProtocol.UDP, MatchField.UDP_SRC, TransportPort.of(5353),
                MatchField.UDP_DST, TransportPort.of(53)), 2),
        Arguments.of("ICMP echo matches type and code, the reply its reply type",
            TestFrames.icmp(1, 3, 8, 0),
            Map.of(MatchField.ICMPV4_TYPE, ICMPv4Type.of((short) 8), MatchField.ICMPV4_CODE,
                ICMPv4Code.of((short) 0)), 2),
        Arguments.of("ICMP error installs its own direction only", TestFrames.icmp(1, 3, 3, 1),
            Map.of(MatchField.ICMPV4_TYPE, ICMPv4Type.of((short) 3), MatchField.ICMPV4_CODE,
                ICMPv4Code.of((short) 1)), 1),
        Arguments.of("IPv6 TCP matches IPv6 addresses", TestFrames.tcp6(1, 3, 40000, 22),
            Map.of(MatchField.ETH_TYPE, EthType.IPv6, MatchField.IPV6_SRC, ip6(1),
                MatchField.IPV6_DST, ip6(3), MatchField.TCP_DST, TransportPort.of(22)), 2),
        Arguments.of("ICMPv6 echo matches ICMPv6 type", TestFrames.icmp6(1, 3, 128),
            Map.of(MatchField.ICMPV6_TYPE, U8.of((short) 128), MatchField.ICMPV6_CODE,
                U8.of((short) 0)), 2));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("protocols")
  @SuppressWarnings({"unchecked", "rawtypes"})
  void matchFieldsPerProtocol(String behaviour, byte[] frame, Map<MatchField, Object> fields,
      int entriesPerSwitch) {
    TestNet net = line(OFVersion.OF_13, new OpenPolicy());
    net.send(1, 3, frame);
    assertThat(net.sw(2).flowAdds()).hasSize(entriesPerSwitch);
    Match m = entryFrom(net.sw(2), 2).getMatch();
    fields.forEach((f, v) -> assertThat((Object) m.get(f)).as(f.getName()).isEqualTo(v));
    if (entriesPerSwitch == 2 && m.get(MatchField.ICMPV4_TYPE) != null) {
      assertThat(entryFrom(net.sw(2), 1).getMatch().get(MatchField.ICMPV4_TYPE))
          .isEqualTo(ICMPv4Type.of((short) 0));
    }
    if (entriesPerSwitch == 2 && m.get(MatchField.ICMPV6_TYPE) != null) {
      assertThat(entryFrom(net.sw(2), 1).getMatch().get(MatchField.ICMPV6_TYPE))
          .isEqualTo(U8.of((short) 129));
    }
  }

  @Test
  void openFlow10SwitchesGetActionsInsteadOfInstructions() {
    TestNet net = line(OFVersion.OF_10, new OpenPolicy());
    net.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));
    OFFlowAdd fa = entryFrom(net.sw(2), 2);
    assertThat(outPort(fa)).isEqualTo(1);
    assertThat(fa.getMatch().get(MatchField.TCP_DST)).isEqualTo(TransportPort.of(80));
    assertThat(fa.getFlags()).containsExactly(OFFlowModFlags.SEND_FLOW_REM);
    assertThat(net.sw(3).packetOuts()).hasSize(1);
  }

  @Test
  void ipv6OnOpenFlow10IsForwardedWithoutEntries() {
    TestNet net = line(OFVersion.OF_10, new OpenPolicy());
    net.send(1, 3, TestFrames.tcp6(1, 3, 40000, 22));
    assertThat(net.sw(1).flowAdds()).isEmpty();
    assertThat(net.sw(2).flowAdds()).isEmpty();
    assertThat(net.sw(3).packetOuts()).hasSize(1);
  }

  @Test
  void unicastNeighbourAdvertisementIsDeliveredWithoutEntries() {
    TestNet net = line(OFVersion.OF_13, new OpenPolicy());
    net.send(1, 3, TestFrames.icmp6(1, 3, 136));
    assertThat(net.sw(1).flowAdds()).isEmpty();
    assertThat(net.sw(3).packetOuts()).hasSize(1);
  }

  @Test
  void deciderDropStopsThePacket() {
    TestNet net = line(OFVersion.OF_13, (p, at) -> Decision.DROP);
    net.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));
    for (long s = 1; s <= 3; s++) {
      assertThat(net.sw(s).written()).isEmpty();
    }
  }

  @Test
  void deciderDropCanLeaveAShortLivedExactDropEntryAtTheIngress() {
    TestNet net = line(OFVersion.OF_13, (p, at) -> new Decision.Drop(10));
    net.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));
    OFFlowAdd drop = net.sw(1).flowAdds().get(0);
    assertThat(net.sw(1).flowAdds()).hasSize(1);
    assertThat(drop.getInstructions()).isEmpty();
    assertThat(drop.getHardTimeout()).isEqualTo(10);
    assertThat(drop.getMatch().get(MatchField.IN_PORT)).isEqualTo(OFPort.of(3));
    assertThat(drop.getMatch().get(MatchField.TCP_DST)).isEqualTo(TransportPort.of(80));
    assertThat(net.sw(2).written()).isEmpty();
    assertThat(net.sw(3).written()).isEmpty();
  }

  @Test
  void aVerdictWhoseGuardNoLongerHoldsInstallsNothingButStillDelivers() {
    TestNet net = line(OFVersion.OF_13,
        (p, at) -> new Decision.Accept(EnumSet.allOf(CtDirection.class), write -> false));
    net.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));
    assertThat(net.sw(2).flowAdds()).isEmpty();
    assertThat(net.sw(3).packetOuts()).hasSize(1);
  }

  @Test
  void deciderChoosesTheDirectionsToInstall() {
    TestNet net = line(OFVersion.OF_13,
        (p, at) -> new Decision.Accept(EnumSet.of(CtDirection.ORIGINAL)));
    net.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));
    assertThat(net.sw(2).flowAdds()).hasSize(1);
    assertThat(outPort(entryFrom(net.sw(2), 2))).isEqualTo(1);

    TestNet none = line(OFVersion.OF_13, (p, at) -> new Decision.Accept(EnumSet.noneOf(CtDirection.class)));
    none.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));
    assertThat(none.sw(2).flowAdds()).isEmpty();
    assertThat(none.sw(3).packetOuts()).hasSize(1);
  }

  /** Issue 18 changed this: the packet used to be dropped (nothing written at all). */
  @Test
  void unknownUnicastDestinationIsFloodedAsALearningSwitchWouldAndIsNotInstalled() {
    TestNet net = line(OFVersion.OF_13, new OpenPolicy());
    net.send(1, 3, TestFrames.tcp(1, 9, 40000, 80));
    for (long s = 1; s <= 3; s++) {
      assertThat(net.sw(s).flowAdds()).as("s" + s + ": no entry for a destination nobody knows").isEmpty();
    }
    assertThat(outPorts(net.sw(1))).as("s1: its other edge ports, not back to host 1").doesNotContain(3).contains(2);
    assertThat(outPorts(net.sw(2))).as("s2: its host port").contains(3);
    assertThat(outPorts(net.sw(3))).as("s3: its edge ports, host 3's too (the MAC may be behind it)").contains(1, 3);
  }

  /**
   * A switch that just joined may face another switch whose probe is still on its way (right after
   * a controller restart, every switch does): no frame for an unknown MAC goes out of its ports until
   * discovery has had its round there, and one such flood coming back in there moves no host.
   */
  @Test
  void unknownUnicastWaitsForDiscoverysRoundOnAJoiningSwitchAndMovesNoHostThere() {
    TestNet net = line(OFVersion.OF_13, new OpenPolicy());
    FakeSwitch s4 = net.add(new FakeSwitch(4, OFVersion.OF_13, 1, 2, 3));
    net.clearWrites();
    net.send(1, 3, TestFrames.tcp(1, 9, 40000, 80));
    assertThat(outPorts(s4)).as("s4's ports are not classified yet").isEmpty();
    assertThat(outPorts(net.sw(3))).as("the settled edge ports still get it").contains(1, 3);
    net.send(4, 2, TestFrames.tcp(1, 9, 40000, 80));
    assertThat(net.topology.service().host(mac(1)).orElseThrow().attachment())
        .as("a frame of host 1 at a port discovery has not settled: a flood, not a move")
        .isEqualTo(Attachment.of(1, 3));

    net.clock.advance(DiscoverySettings.DEFAULTS.edgeSettle());
    net.clearWrites();
    net.send(1, 3, TestFrames.tcp(1, 9, 40001, 80));
    assertThat(outPorts(s4)).as("its round is over: s4's ports face hosts").containsExactly(1, 2, 3);
    net.send(4, 2, TestFrames.tcp(1, 9, 40001, 80));
    assertThat(net.topology.service().host(mac(1)).orElseThrow().attachment())
        .as("now a move").isEqualTo(Attachment.of(4, 2));
  }

  static List<Integer> outPorts(FakeSwitch sw) {
    return sw.packetOuts().stream().flatMap(po -> po.getActions().stream())
        .map(a -> ((OFActionOutput) a).getPort().getPortNumber())
        .toList();
  }

  @Test
  void fragmentsAndMalformedPacketsGetNoEntries() {
    TestNet net = line(OFVersion.OF_13, new OpenPolicy());
    net.send(1, 3, TestFrames.ipv4(mac(1), mac(3), ip(1), ip(3), 17, new byte[8], 185));
    assertThat(net.sw(1).flowAdds()).isEmpty();
    assertThat(net.sw(3).packetOuts()).as("a lone later fragment waits for the rest, as Linux's defrag holds it")
        .isEmpty();
    net.clearWrites();
    byte[] truncated = Arrays.copyOf(TestFrames.tcp(1, 3, 1, 2), 40);
    net.send(1, 3, truncated);
    assertThat(net.sw(3).written()).isEmpty();
  }

  @Test
  void packetThatOutranItsEntriesIsDeliveredWithoutANewDecision() {
    int[] decisions = {0};
    TestNet net = line(OFVersion.OF_13, (p, at) -> {
      decisions[0]++;
      return Decision.ACCEPT_BOTH_WAYS;
    });
    decisions[0] = 0; // attaching the hosts sent packets of their own
    byte[] syn = TestFrames.tcp(1, 3, 40000, 80);
    net.send(2, 2, syn); // arrives at s2 from s1 before s2's entry was in place
    assertThat(decisions[0]).isZero();
    assertThat(net.sw(2).flowAdds()).isEmpty();
    assertThat(net.sw(3).packetOuts()).extracting(OFPacketOut::getData).containsExactly(syn);
  }
}
