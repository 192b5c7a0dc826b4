package io.statewall.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.topology.fakes.ClusterNetwork;
import io.statewall.topology.fakes.FakeClock;
import io.statewall.topology.fakes.Topologies;
import io.statewall.topology.fakes.Frames;
import io.statewall.topology.share.TopologyShare;
import io.statewall.topology.share.TopologyShareCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;
import org.junit.jupiter.api.Test;

/**
 * Two cluster members, each master of one of two cabled switches (s1/1 to s2/2; port 3 of each faces
 * hosts): what each learns of the link from its own switch.
 */
class ClusterTopologyTest {
  private final FakeClock clock = new FakeClock();
  private final ClusterNetwork net = new ClusterNetwork(clock);

  private void twoMasters(byte[] keyOfA, byte[] keyOfB) {
    net.member("A", keyOfA);
    net.member("B", keyOfB);
    net.add(1, "A", 1, 3);
    net.add(2, "B", 2, 3);
    net.cable(1, 1, 2, 2);
  }

  @Test
  void withOneKeyEachMasterVerifiesTheOthersProbeAndSeesItsHalfOfTheLink() {
    twoMasters(Topologies.KEY, Topologies.KEY);
    // each member's probe reaches the other's switch and is answered once; the answers end there
    assertThat(net.deliverAll(50)).as("frames delivered").isLessThanOrEqualTo(4);
    TopologyService a = net.manager("A");
    TopologyService b = net.manager("B");
    assertThat(b.isInterSwitchPort(Attachment.of(2, 2))).as("B verified A's probe at s2/2").isTrue();
    assertThat(a.isInterSwitchPort(Attachment.of(1, 1))).as("A verified B's probe at s1/1").isTrue();
    assertThat(a.isInterSwitchPort(Attachment.of(1, 3))).isFalse();

    // a round later (the answers due again) the exchange still ends
    clock.advance(Duration.ofSeconds(5));
    net.probeAll();
    assertThat(net.deliverAll(50)).isLessThanOrEqualTo(4);
  }

  @Test
  void withAKeyEachTheOthersProbeFailsItsSignature() {
    twoMasters(Topologies.KEY, "another member's own key, 32 bytes".getBytes());
    net.deliverAll(50);
    assertThat(net.manager("B").isInterSwitchPort(Attachment.of(2, 2))).isFalse();
    assertThat(net.manager("A").isInterSwitchPort(Attachment.of(1, 1))).isFalse();
  }

  /** {@link #twoMasters} with one key, their probes exchanged, and discovery's round at the edge ports had. */
  private void twoMastersLinked() {
    twoMasters(Topologies.KEY, Topologies.KEY);
    net.deliverAll(50);
    clock.advance(Duration.ofSeconds(2));
  }

  /** Each member's share handed to the other, as the cluster's exchange does. */
  private void exchange() {
    TopologyManager a = net.manager("A");
    TopologyManager b = net.manager("B");
    a.merge("B", b.localShare());
    b.merge("A", a.localShare());
  }

  @Test
  void mergedSharesMakeTheLinkAPathAndTheOthersHostsKnownOnBothMembers() {
    twoMasters(Topologies.KEY, Topologies.KEY);
    net.deliverAll(50);
    // a host behind each switch, each seen only by its switch's master
    clock.advance(Duration.ofSeconds(2)); // discovery had its round at the edge ports
    net.arrive(1, 3, Frames.ipv4("00:00:00:00:00:01", "00:00:00:00:00:02", "10.0.0.1", "10.0.0.2"));
    net.arrive(2, 3, Frames.ipv4("00:00:00:00:00:02", "00:00:00:00:00:01", "10.0.0.2", "10.0.0.1"));
    TopologyManager a = net.manager("A");
    TopologyManager b = net.manager("B");
    List<TopologyEvent> heardByA = new ArrayList<>();
    a.addListener(heardByA::add);
    assertThat(a.links()).isEmpty();
    assertThat(a.hostByAddress(IPv4Address.of("10.0.0.2"))).isEmpty();

    exchange();

    Link link = Link.between(Attachment.of(1, 1), Attachment.of(2, 2));
    for (TopologyManager m : List.of(a, b)) {
      assertThat(m.links()).containsExactly(link);
      assertThat(m.hosts()).extracting(Host::attachment)
          .containsExactlyInAnyOrder(Attachment.of(1, 3), Attachment.of(2, 3));
      assertThat(m.path(Attachment.of(1, 3), Attachment.of(2, 3))).get()
          .satisfies(p -> assertThat(p.hops()).hasSize(2));
      assertThat(m.broadcastPorts(DatapathId.of(1))).as("the link is in the flooding tree").contains(OFPort.of(1));
    }
    assertThat(a.hostByAddress(IPv4Address.of("10.0.0.2"))).get()
        .satisfies(h -> assertThat(h.attachment()).isEqualTo(Attachment.of(2, 3)));
    assertThat(heardByA).contains(new TopologyEvent.LinkUp(link));
    assertThat(heardByA).anySatisfy(e -> assertThat(e).isInstanceOf(TopologyEvent.HostLearned.class));
    // what A shares is still only what it learned itself
    assertThat(a.localShare().hosts()).extracting(Host::attachment).containsExactly(Attachment.of(1, 3));

    // B leaves the cluster: its half of the link and its host are gone from A's view
    heardByA.clear();
    a.forget("B");
    assertThat(a.links()).isEmpty();
    assertThat(a.hostByAddress(IPv4Address.of("10.0.0.2"))).isEmpty();
    assertThat(a.path(Attachment.of(1, 3), Attachment.of(2, 3))).isEmpty();
    assertThat(heardByA).contains(new TopologyEvent.LinkDown(link, TopologyEvent.Reason.TIMEOUT));
    assertThat(heardByA).anySatisfy(e -> assertThat(e).isInstanceOf(TopologyEvent.HostRemoved.class));
    assertThat(a.merged()).isEmpty();
  }

  @Test
  void aHostSeenAtTheSwitchsOwnPortIsNotSharedSoTheShareStillReadsAndCarriesTheOthers() {
    twoMastersLinked();
    net.arrive(1, 3, Frames.ipv4("00:00:00:00:00:01", "00:00:00:00:00:02", "10.0.0.1", "10.0.0.2"));
    // Open vSwitch's bridge interface (port LOCAL) speaks too, e.g. IPv6 neighbour discovery as it comes up
    net.arrive(1, OFPort.LOCAL.getPortNumber(),
        Frames.ipv4("00:00:00:00:00:0a", "00:00:00:00:00:02", "10.0.0.10", "10.0.0.2"));
    TopologyManager a = net.manager("A");
    TopologyManager b = net.manager("B");

    TopologyShare sent = a.localShare();
    assertThat(sent.hosts()).extracting(Host::attachment).containsExactly(Attachment.of(1, 3));
    // B reads A's share from its wire form, which carries no reserved port, as the cluster's channel does
    byte[] wire = TopologyShareCodec.encode(sent);
    b.merge("A", TopologyShareCodec.decode(wire, 0, wire.length));
    assertThat(b.hostByAddress(IPv4Address.of("10.0.0.1"))).get()
        .satisfies(h -> assertThat(h.attachment()).isEqualTo(Attachment.of(1, 3)));
  }

  @Test
  void aPeersHalfLinksAndHostsCountOnlyAtUpPortsOfSwitchesConnectedHereAndNeverOnALink() {
    twoMasters(Topologies.KEY, Topologies.KEY);
    net.deliverAll(50);
    exchange();
    TopologyManager a = net.manager("A");
    Link link = Link.between(Attachment.of(1, 1), Attachment.of(2, 2));
    assertThat(a.links()).containsExactly(link);
    TopologyShare fromB = net.manager("B").localShare();
    // a peer claims a host on the link's port, one on a switch A does not know, and a half-link to it
    Host onLink = new Host(MacAddress.of("00:00:00:00:00:66"), Attachment.of(1, 1), Set.of());
    Host unknown = new Host(MacAddress.of("00:00:00:00:00:77"), Attachment.of(9, 1), Set.of());
    Set<HalfLink> halves = new HashSet<>(fromB.halves());
    halves.add(new HalfLink(Attachment.of(9, 1), Attachment.of(2, 3)));
    halves.add(new HalfLink(Attachment.of(2, 3), Attachment.of(9, 1)));
    a.merge("B", new TopologyShare(halves, Set.of(onLink, unknown)));
    assertThat(a.links()).containsExactly(link);
    assertThat(a.host(onLink.mac())).isEmpty();
    assertThat(a.host(unknown.mac())).isEmpty();
    assertThat(a.isInterSwitchPort(Attachment.of(2, 3))).isFalse();

    // the port of B's half goes down at s2: the link leaves A's view at once, for that reason
    List<TopologyEvent> heard = new ArrayList<>();
    a.addListener(heard::add);
    a.portChanged(net.handle("A", 2), net.handle("A", 2).setPort(2, false));
    assertThat(a.links()).isEmpty();
    assertThat(heard).contains(new TopologyEvent.LinkDown(link, TopologyEvent.Reason.PORT_DOWN));
  }

  @Test
  void aHostAPeerSawAtAPortThatIsALinkHereIsForgottenWhenThePeersHalfArrives() {
    twoMasters(Topologies.KEY, Topologies.KEY);
    // before discovery: a flood from s1 reached B's switch at s2/2 and B learned its source there
    clock.advance(Duration.ofSeconds(2));
    net.arrive(2, 2, Frames.ipv4("00:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", "10.0.0.1", "10.0.0.255"));
    TopologyManager b = net.manager("B");
    assertThat(b.host(MacAddress.of("00:00:00:00:00:01"))).isPresent();
    net.deliverAll(50);
    exchange();
    assertThat(b.host(MacAddress.of("00:00:00:00:00:01"))).as("s2/2 faces a switch: no host there").isEmpty();
  }

  /**
   * A rebalance moves s2 from A to B. A's own sighting of the server there, made while it mastered s2 and
   * never refreshed since (IPv6 neighbour discovery only, no IPv4 address), must not win over B's: seen on
   * real Open vSwitch as every frame to the FTP server refused as FOREIGN_MAC at A.
   */
  @Test
  void aHostSeenAtASwitchHandedOverCountsAfterTheNewMastersSightingAndIsNotShared() {
    net.member("A", Topologies.KEY);
    net.member("B", Topologies.KEY);
    net.add(1, "A", 1, 3);
    net.add(2, "A", 2, 3);
    net.cable(1, 1, 2, 2);
    net.deliverAll(50);
    clock.advance(Duration.ofSeconds(2));
    MacAddress server = MacAddress.of("00:00:00:00:00:03");
    net.arrive(2, 3, Frames.ipv6("00:00:00:00:00:03", "33:33:00:00:00:01", "fe80::3", "ff02::1"));
    TopologyManager a = net.manager("A");
    TopologyManager b = net.manager("B");
    assertThat(a.host(server)).get().satisfies(h -> assertThat(h.addresses()).doesNotContain(IPv4Address.of("10.0.0.3")));

    net.remaster(2, "B");
    a.handedOver(DatapathId.of(2));
    assertThat(a.host(server)).as("still known here until a peer's view has it").get()
        .satisfies(h -> assertThat(h.attachment()).isEqualTo(Attachment.of(2, 3)));
    assertThat(a.localShare().hosts()).as("not A's to share any more").isEmpty();

    net.arrive(2, 3, Frames.ipv4("00:00:00:00:00:03", "00:00:00:00:00:01", "10.0.0.3", "10.0.0.1"));
    a.merge("B", b.localShare());
    assertThat(a.host(server)).get().satisfies(h -> assertThat(h.addresses()).contains(IPv4Address.of("10.0.0.3")));
    assertThat(a.hostByAddress(IPv4Address.of("10.0.0.3"))).get().extracting(Host::mac).isEqualTo(server);
    assertThat(a.hosts()).extracting(Host::mac).containsOnlyOnce(server);

    // s2 comes back to A: what it saw there is its own again, and shared
    net.remaster(2, "A");
    a.mastered(DatapathId.of(2));
    assertThat(a.localShare().hosts()).extracting(Host::mac).containsExactly(server);
  }

  @Test
  void aPeersClaimOfAnAddressForAMacSeenHereNamesThatHost() {
    twoMastersLinked();
    // A sees the host only by its link-local address, B sees it use 10.0.0.3 (a host on a legacy switch
    // cabled to both, say): the address is that MAC's
    net.arrive(1, 3, Frames.ipv6("00:00:00:00:00:03", "33:33:00:00:00:01", "fe80::3", "ff02::1"));
    net.arrive(2, 3, Frames.ipv4("00:00:00:00:00:03", "00:00:00:00:00:01", "10.0.0.3", "10.0.0.1"));
    exchange();
    assertThat(net.manager("A").hostByAddress(IPv4Address.of("10.0.0.3"))).get()
        .satisfies(h -> assertThat(h.mac()).isEqualTo(MacAddress.of("00:00:00:00:00:03")));
  }
}
