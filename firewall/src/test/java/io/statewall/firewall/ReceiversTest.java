package io.statewall.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.ConnectionDecider;
import io.statewall.firewall.forwarding.Decision;
import io.statewall.firewall.forwarding.ForwardingSettings;
import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.firewall.forwarding.RefusedFrames;
import io.statewall.firewall.forwarding.TeardownTraps;
import io.statewall.firewall.forwarding.fakes.TestFrames;
import io.statewall.firewall.forwarding.fakes.TestNet;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.topology.Attachment;
import io.statewall.topology.Host;
import io.statewall.topology.share.TopologyShare;
import io.statewall.topology.fakes.FakeSwitch;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFFlowDeleteStrict;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * Issue 16: every host a packet reaches had its rules asked. One switch, hosts 1-4 on ports 1-4,
 * port 5 free. Host 1 is a server that takes TCP 22 only; host 3 takes UDP 161; host 2 and 4 have
 * no rule set.
 */
class ReceiversTest {
  static final String SERVER = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
      -A INPUT -p tcp --dport 22 -j ACCEPT
      COMMIT
      """;
  static final String SNMP = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A INPUT -p udp --dport 161 -j ACCEPT
      COMMIT
      """;
  /** A router: forwards what is not telnet. */
  static final String ROUTER = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A FORWARD -p tcp --dport 23 -j DROP
      COMMIT
      """;
  static final String DROP_ALL = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT DROP [0:0]
      COMMIT
      """;

  @TempDir Path dir;
  private final PacketParser parser = new PacketParser();

  /** The forwarding app's decider, wired to a firewall made after the net's topology. */
  private static final class Late implements ConnectionDecider {
    Firewall fw;

    @Override
    public Decision decide(Packet packet, Attachment ingress) {
      return fw.decide(packet, ingress);
    }

    @Override
    public List<Attachment> receivers(Packet packet, Attachment ingress, List<Attachment> candidates) {
      return fw.receivers(packet, ingress, candidates);
    }

    @Override
    public boolean deliverable(Packet packet, Host macOwner) {
      return fw.deliverable(packet, macOwner);
    }

    @Override
    public boolean allowsEthertype(int etherType) {
      return fw.allowsEthertype(etherType);
    }
  }

  private TestNet net;
  private Firewall fw;

  private void start(String extraYaml, String... extraHosts) throws Exception {
    Files.writeString(dir.resolve("server.rules"), SERVER);
    Files.writeString(dir.resolve("snmp.rules"), SNMP);
    Files.writeString(dir.resolve("router.rules"), ROUTER);
    Files.writeString(dir.resolve("drop.rules"), DROP_ALL);
    StringBuilder y = new StringBuilder("hosts:\n  - address: 10.0.0.1\n    rules: server.rules\n"
        + "  - address: 10.0.0.3\n    rules: snmp.rules\n");
    for (String h : extraHosts) {
      y.append(h);
    }
    y.append(extraYaml);
    Path policy = Files.writeString(dir.resolve("policy.yaml"), y.toString());
    Late late = new Late();
    net = new TestNet(late, ForwardingSettings.DEFAULTS);
    net.add(FakeSwitch.of13(1, 1, 2, 3, 4, 5));
    net.discover();
    fw = new Firewall(new PolicyHolder(new PolicyLoader().load(policy)),
        new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of()),
        net.topology.service(), net.ctx.switches(), new Firewall.Outputs(new OffloadTable(), 5, Firewall.DecisionListener.NONE));
    late.fw = fw;
    for (int h = 1; h <= 4; h++) {
      net.attach(h, 1, h);
    }
  }

  private FakeSwitch s1() {
    return net.sw(1);
  }

  private List<Integer> outPorts() {
    return s1().packetOuts().stream().flatMap(po -> po.getActions().stream())
        .map(a -> ((OFActionOutput) a).getPort().getPortNumber()).sorted().toList();
  }

  private static byte[] udpHeader(int sport, int dport) {
    return ByteBuffer.allocate(12).putShort((short) sport).putShort((short) dport).putShort((short) 12)
        .putShort((short) 0).putInt(0x70696e67).array();
  }

  private static byte[] udp(MacAddress dmac, String dst, int dport) {
    return TestFrames.ipv4(TestFrames.mac(4), dmac, TestFrames.ip(4), IPv4Address.of(dst), Packet.PROTO_UDP,
        udpHeader(40000, dport), 0);
  }

  /**
   * Two views of one host, as a cluster member has them after a rebalance: its own stale sighting of the
   * MAC, without the address, wins the look-up by MAC, and a peer's share holds the MAC with its address.
   * A frame for that MAC carrying that address is the host's, not a foreign one.
   */
  @Test
  void anAddressAnotherViewGivesTheSameMacIsThatHostsNotAForeignOnes() throws Exception {
    start("");
    MacAddress mac = TestFrames.mac(9);
    Attachment there = new Attachment(DatapathId.of(1), OFPort.of(5));
    net.topology.manager().merge("peer", new TopologyShare(Set.of(), Set.of(new Host(mac, there, Set.of(IPv4Address.of("10.0.0.9"))))));
    Host stale = new Host(mac, new Attachment(DatapathId.of(1), OFPort.of(4)), Set.of());
    Packet toIt = parser.parse(udp(mac, "10.0.0.9", 53));

    assertThat(fw.deliverable(toIt, stale)).isTrue();
    assertThat(fw.deliverable(parser.parse(udp(mac, "10.0.0.1", 53)), new Host(mac, there,
        Set.of(IPv4Address.of("10.0.0.9"))))).as("an address learned as another host's is still refused").isFalse();
  }

  @Test
  void aBroadcastReachesOnlyThePortsWhoseHostsAccept() throws Exception {
    start("");
    net.send(1, 4, udp(MacAddress.BROADCAST, "10.0.0.255", 161));
    assertThat(outPorts()).as("host 1's INPUT drops it; host 3 takes 161; host 2 and the free port have no rules")
        .containsExactly(2, 3, 5);
    assertThat(s1().flowAdds()).as("broadcast is never offloaded").isEmpty();

    s1().clear();
    net.send(1, 4, udp(MacAddress.BROADCAST, "255.255.255.255", 9));
    assertThat(outPorts()).as("nobody's rule but host 3's takes port 9: not host 1 nor 3").containsExactly(2, 5);
  }

  @Test
  void multicastIsJudgedPerReceiverWhateverItsMac() throws Exception {
    start("");
    net.send(1, 4, udp(MacAddress.of("01:00:5e:00:00:01"), "224.0.0.1", 161));
    assertThat(outPorts()).containsExactly(2, 3, 5);
    s1().clear();
    // a multicast address in a unicast frame to host 1 is still for every receiver, not host 1 unjudged
    net.send(1, 4, udp(TestFrames.mac(1), "224.0.0.1", 5353));
    assertThat(outPorts()).containsExactly(2, 5);
  }

  @Test
  void aFreePortMayHideAPolicyHostNotYetLocatedAndGetsOnlyWhatThatHostAccepts() throws Exception {
    start("", "  - address: 10.0.0.6\n    rules: drop.rules\n");
    net.send(1, 4, udp(MacAddress.BROADCAST, "10.0.0.255", 161));
    assertThat(outPorts()).as("host 6 has not been seen: it may be behind port 5, and drops everything")
        .containsExactly(2, 3);
  }

  @Test
  void aFrameForOneHostsMacAndAnothersAddressReachesNobody() throws Exception {
    start("");
    // to host 2's MAC (no rules) but server 10.0.0.1's address and a port its INPUT drops
    net.send(1, 4, TestFrames.ipv4(TestFrames.mac(4), TestFrames.mac(2), TestFrames.ip(4), TestFrames.ip(1),
        Packet.PROTO_UDP, udpHeader(40000, 161), 0));
    assertThat(s1().written()).isEmpty();
    assertThat(net.forwarding.refused().count(RefusedFrames.Reason.FOREIGN_MAC)).isEqualTo(1);
    // to a MAC and an address topology has not learned together, for no policy host: dropped too
    net.send(1, 4, TestFrames.ipv4(TestFrames.mac(4), TestFrames.mac(2), TestFrames.ip(4),
        IPv4Address.of("10.0.0.77"), Packet.PROTO_UDP, udpHeader(40000, 161), 0));
    assertThat(s1().written()).isEmpty();
    // the owner's own MAC: delivered, judged by its INPUT
    net.send(1, 4, TestFrames.ipv4(TestFrames.mac(4), TestFrames.mac(3), TestFrames.ip(4), TestFrames.ip(3),
        Packet.PROTO_UDP, udpHeader(40000, 161), 0));
    assertThat(outPorts()).containsExactly(3);
  }

  @Test
  void aMacSeenOnlyByItsLinkLocalAddressMayOwnAPolicyAddressNotYetLearned() throws Exception {
    start("", "  - address: 10.0.0.6\n    rules: snmp.rules\n");
    // host 6 has spoken only IPv6 neighbour discovery so far (as after a controller restart)
    net.send(1, 5, TestFrames.ipv6(TestFrames.mac(6), TestFrames.mac(0xFF), IPv6Address.of("fe80::6"),
        IPv6Address.of("ff02::2"), 59, new byte[0]));
    net.clearWrites();

    net.send(1, 4, TestFrames.ipv4(TestFrames.mac(4), TestFrames.mac(6), TestFrames.ip(4), TestFrames.ip(6),
        Packet.PROTO_UDP, udpHeader(40000, 161), 0));
    assertThat(outPorts()).as("judged by 10.0.0.6's rules, which take 161").containsExactly(5);
    assertThat(net.forwarding.refused().count(RefusedFrames.Reason.FOREIGN_MAC)).isZero();

    s1().clear();
    // host 2 is known by another IPv4 address: a frame to its MAC for 10.0.0.6 is not for it
    net.send(1, 4, TestFrames.ipv4(TestFrames.mac(4), TestFrames.mac(2), TestFrames.ip(4), TestFrames.ip(6),
        Packet.PROTO_UDP, udpHeader(40001, 161), 0));
    assertThat(s1().written()).isEmpty();
    assertThat(net.forwarding.refused().count(RefusedFrames.Reason.FOREIGN_MAC)).isEqualTo(1);
  }

  /**
   * In a cluster, a member's sighting of a host from a switch it mastered before a rebalance may hold only
   * its link-local address, and the host's IPv4 address need not be a policy host's (the seed's FTP server
   * at 10.0.0.3 is judged by the default rules): nobody else holds the address, so the frame may be the
   * host's, as for a policy address.
   */
  @Test
  void aMacSeenOnlyByItsLinkLocalAddressMayOwnAnAddressOfNoPolicyHost() throws Exception {
    start("");
    net.send(1, 5, TestFrames.ipv6(TestFrames.mac(6), TestFrames.mac(0xFF), IPv6Address.of("fe80::6"),
        IPv6Address.of("ff02::2"), 59, new byte[0]));
    net.clearWrites();

    net.send(1, 4, TestFrames.ipv4(TestFrames.mac(4), TestFrames.mac(6), TestFrames.ip(4),
        IPv4Address.of("10.0.0.77"), Packet.PROTO_UDP, udpHeader(40000, 161), 0));
    assertThat(outPorts()).containsExactly(5);
    assertThat(net.forwarding.refused().count(RefusedFrames.Reason.FOREIGN_MAC)).isZero();
  }

  @Test
  void aDeclaredGatewayGetsPacketsForAddressesBeyondItJudgedByItsForward() throws Exception {
    start("gateways: [10.0.0.2]\n", "  - address: 10.0.0.2\n    rules: router.rules\n");
    net.send(1, 4, tcpTo(2, "192.0.2.9", 80));
    assertThat(outPorts()).as("the router's INPUT drops all, but this only crosses it: its FORWARD takes it")
        .containsExactly(2);
    s1().clear();
    net.send(1, 4, tcpTo(2, "192.0.2.9", 23));
    assertThat(outPorts()).as("the router's FORWARD drops telnet").isEmpty();
    assertThat(net.forwarding.refused().count(RefusedFrames.Reason.FOREIGN_MAC)).isZero();
  }

  /** A TCP SYN from host 4 to host {@code mac}'s MAC and {@code dst}. */
  private static byte[] tcpTo(int mac, String dst, int dport) {
    byte[] whole = TestFrames.tcp(4, mac, 40000, dport);
    ByteBuffer b = ByteBuffer.wrap(whole);
    b.position(14 + 16);
    b.put(IPv4Address.of(dst).getBytes());
    return whole;
  }

  @Test
  void otherEthertypesAreDroppedUnlessThePolicyListsThem() throws Exception {
    start("");
    net.send(1, 4, frame(0x88B5));
    net.send(1, 4, frame(0x8915));
    net.send(1, 4, frame(0x8864));
    net.send(1, 4, frame(0x9200));
    assertThat(s1().written()).isEmpty();
    assertThat(net.forwarding.refused().count(RefusedFrames.Reason.ETHERTYPE)).isEqualTo(4);

    start("ethertypes: [0x88b5, pppoe-session]\n");
    net.send(1, 4, frame(0x88B5));
    assertThat(outPorts()).containsExactly(1, 2, 3, 5);
    s1().clear();
    net.send(1, 4, frame(0x8864));
    assertThat(outPorts()).containsExactly(1, 2, 3, 5);
    s1().clear();
    net.send(1, 4, frame(0x8915));
    assertThat(s1().written()).isEmpty();
  }

  @Test
  void theListedEthertypesAreNamedInAWarningAtLoad() throws Exception {
    Path p = Files.writeString(dir.resolve("e.yaml"), "ethertypes: [0x88b5, roce]\n");
    assertThat(new PolicyLoader().load(p).warnings()).anySatisfy(w -> assertThat(w).contains("0x88b5", "0x8915"));
  }

  private static byte[] frame(int ethertype) {
    return ByteBuffer.allocate(60).put(MacAddress.BROADCAST.getBytes()).put(TestFrames.mac(4).getBytes())
        .putShort((short) ethertype).array();
  }

  @Test
  void anUnknownUnicastDestinationIsFloodedAsALearningSwitchWouldOnlyIfItsRulesAccept() throws Exception {
    start("", "  - address: 10.0.0.6\n    rules: drop.rules\n");
    MacAddress unknown = MacAddress.of("02:00:00:00:00:66");
    net.send(1, 4, udp(unknown, "10.0.0.6", 161));
    assertThat(s1().written()).as("host 6's INPUT drops it").isEmpty();
    net.send(1, 4, udp(unknown, "10.0.0.7", 161));
    assertThat(outPorts()).as("every edge port but the one it came in by, as a learning switch floods it")
        .doesNotContain(4).contains(5);
  }

  @Test
  void aDropEntryGoesWhenTheOtherSideOpensAConnectionOnTheSamePorts() throws Exception {
    start("");
    // host 4 tries host 1 (INPUT drops): refused, with a short drop entry at host 4's port
    net.send(1, 4, TestFrames.udp(4, 1, 5000, 6000));
    OFFlowAdd drop = s1().flowAdds().get(0);
    assertThat(drop.getMatch().get(MatchField.IN_PORT)).isEqualTo(OFPort.of(4));
    s1().clear();
    // host 1 then opens the same ports the other way: host 4's reply must not hit that drop entry
    net.send(1, 1, TestFrames.udp(1, 4, 6000, 5000));
    List<OFFlowDeleteStrict> deletes = s1().flowDeletes();
    assertThat(deletes).hasSize(1);
    assertThat(deletes.get(0).getMatch()).isEqualTo(drop.getMatch());
    assertThat(outPorts()).containsExactly(4);
  }

  @Test
  void anIcmpEchoExchangeIsNeverOffloaded() throws Exception {
    start("");
    Attachment h4 = Attachment.of(1, 4);
    Attachment h2 = Attachment.of(1, 2);
    Packet ping = parser.parse(TestFrames.icmp(4, 2, 8, 0));
    Packet pong = parser.parse(TestFrames.icmp(2, 4, 0, 0));
    fw.decide(ping, h4);
    Decision d = fw.decide(pong, h2);
    assertThat(d).isInstanceOf(Decision.Accept.class);
    assertThat(((Decision.Accept) d).install()).as("an entry could not tell one echo id from another").isEmpty();
    assertThat(fw.decide(ping, h4)).isEqualTo(new Decision.Accept(java.util.Set.<CtDirection>of()));
  }

  /**
   * Where a TCP connection enters, its entry carries none of FIN, SYN and RST (a SYN reusing a
   * closing tuple is a reopening conntrack must judge); they fall to the one trap just below it,
   * which sends the same exact match to the controller.
   */
  @Test
  void theEntryWhereATcpConnectionEntersLeavesFinSynAndRstToTheTrapBelowIt() {
    FakeSwitch sw = FakeSwitch.of13(9, 1);
    var m = io.statewall.firewall.forwarding.ExactMatch.of(parser.parse(TestFrames.tcp(1, 2, 40000, 22)))
        .orElseThrow();
    var flags = TeardownTraps.entryMatch(sw.factory(), OFPort.of(1), m, true).orElseThrow()
        .getMasked(MatchField.OVS_TCP_FLAGS);
    assertThat(flags.getValue().getRaw()).isZero();
    assertThat(flags.getMask().getRaw()).isEqualTo((short) 0x07);
    assertThat(TeardownTraps.entryMatch(sw.factory(), OFPort.of(1), m, false).orElseThrow())
        .as("downstream of where it enters, the plain match").isEqualTo(m.toMatch(sw.factory(), OFPort.of(1)).orElseThrow());

    List<OFMessage> traps = new TeardownTraps(100).traps(sw.factory(), OFPort.of(1), m,
        org.projectfloodlight.openflow.types.U64.of(1));
    assertThat(traps).hasSize(1);
    OFFlowAdd trap = (OFFlowAdd) traps.get(0);
    assertThat(trap.getPriority()).isEqualTo(99);
    assertThat(trap.getMatch()).isEqualTo(m.toMatch(sw.factory(), OFPort.of(1)).orElseThrow());
    assertThat(trap.getInstructions()).containsExactly(sw.factory().instructions().applyActions(
        List.of(sw.factory().actions().output(OFPort.CONTROLLER, 0xFFFF))));
  }

}
