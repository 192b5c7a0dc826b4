package io.statewall.topology.hosts;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.topology.Attachment;
import io.statewall.topology.Host;
import io.statewall.topology.TopologyEvent.HostLearned;
import io.statewall.topology.TopologyEvent.HostMoved;
import io.statewall.topology.TopologyEvent.HostRemoved;
import io.statewall.topology.TopologyManager;
import io.statewall.topology.discovery.DiscoverySettings;
import io.statewall.topology.fakes.FakeClock;
import io.statewall.topology.fakes.FakeNetwork;
import io.statewall.topology.fakes.FakeSwitch;
import io.statewall.topology.fakes.Frames;
import io.statewall.topology.fakes.Topologies;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.MacAddress;

class HostTrackingTest {

  private static final String H1 = "00:00:00:00:00:01";
  private static final MacAddress H1_MAC = MacAddress.of(H1);

  private final FakeClock clock = new FakeClock();
  private final TopologyManager manager = Topologies.manager(clock);
  private final FakeNetwork net = new FakeNetwork(manager);
  private FakeSwitch s1;
  private FakeSwitch s2;

  @BeforeEach
  void twoLinkedSwitches() {
    s1 = net.add(FakeSwitch.of13(1, 1, 3, 4));
    s2 = net.add(FakeSwitch.of13(2, 2, 3));
    net.cable(1, 1, 2, 2);
    net.deliver();
    clock.advance(DiscoverySettings.DEFAULTS.edgeSettle()); // discovery has had its round
  }

  private void send(FakeSwitch sw, int port, byte[] frame) {
    manager.receive(sw, sw.packetIn(port, frame));
  }

  @Test
  void arpTeachesMacAddressAndAttachment() {
    send(s1, 3, Frames.arpRequest(H1, "10.0.0.1", "10.0.0.2"));
    Host h = manager.host(H1_MAC).orElseThrow();
    assertThat(h.attachment()).isEqualTo(Attachment.of(1, 3));
    assertThat(h.addresses()).containsExactly(IPv4Address.of("10.0.0.1"));
    assertThat(manager.hostByAddress(IPv4Address.of("10.0.0.1"))).contains(h);
    assertThat(net.events(HostLearned.class)).containsExactly(new HostLearned(h));
  }

  @Test
  void ipv4AndIpv6SourcesAreAddedToTheSameHost() {
    send(s1, 3, Frames.ipv4(H1, "00:00:00:00:00:02", "10.0.0.1", "10.0.0.2"));
    send(s1, 3, Frames.ipv6(H1, "00:00:00:00:00:02", "fe80::1", "fe80::2"));
    assertThat(manager.host(H1_MAC).orElseThrow().addresses())
        .containsExactlyInAnyOrder(IPv4Address.of("10.0.0.1"), IPv6Address.of("fe80::1"));
  }

  @Test
  void unspecifiedSourceTeachesTheMacOnly() {
    send(s1, 3, Frames.arpRequest(H1, "0.0.0.0", "10.0.0.1")); // ARP probe (RFC 5227)
    send(s1, 3, Frames.ipv6(H1, "33:33:00:00:00:01", "::", "ff02::1")); // DAD
    assertThat(manager.host(H1_MAC).orElseThrow().addresses()).isEmpty();
  }

  @Test
  void neverLearnedOnASwitchToSwitchPort() {
    send(s2, 2, Frames.arpRequest(H1, "10.0.0.1", "10.0.0.2"));
    assertThat(manager.hosts()).isEmpty();
  }

  @Test
  void hostSeenOnAPortBeforeItWasKnownAsALinkIsForgotten() {
    FakeSwitch s3 = net.add(FakeSwitch.of13(3, 2));
    // a flood from s1 arrives at s3/2 before any LLDP crossed the new cable
    send(s3, 2, Frames.arpRequest(H1, "10.0.0.1", "10.0.0.2"));
    assertThat(manager.host(H1_MAC)).isPresent();
    net.cable(1, 4, 3, 2);
    net.probeAll();
    assertThat(manager.host(H1_MAC)).isEmpty();
    assertThat(net.events(HostRemoved.class)).hasSize(1);
  }

  @Test
  void hostSeenAtAPortThatBecomesALinkEndByItsOwnProbeArrivingElsewhereIsForgotten() {
    FakeSwitch s3 = net.add(FakeSwitch.of13(3, 2));
    send(s3, 2, Frames.arpRequest(H1, "10.0.0.1", "10.0.0.2"));
    net.cable(1, 4, 3, 2);
    // only s3's probe crosses: it arrives at s1/4, and s3/2 is a link end though no LLDP came in there
    manager.probeAndExpire(List.of(s3));
    net.deliverFrom(3);
    assertThat(manager.isInterSwitchPort(Attachment.of(3, 2))).isTrue();
    assertThat(manager.host(H1_MAC)).as("a flood from s1, not a host behind s3/2").isEmpty();
  }

  @Test
  void aKnownHostSeenAtAPortDiscoveryHasNotSettledYetStaysWhereItIs() {
    send(s1, 3, Frames.arpRequest(H1, "10.0.0.1", "10.0.0.2"));
    FakeSwitch s3 = net.add(FakeSwitch.of13(3, 2));
    // s1 floods out of 1/4 towards s3, whose probe has not arrived yet: the flood comes back in at 3/2
    send(s3, 2, Frames.arpRequest(H1, "10.0.0.1", "10.0.0.2"));
    assertThat(manager.host(H1_MAC).orElseThrow().attachment()).isEqualTo(Attachment.of(1, 3));
    assertThat(net.events(HostMoved.class)).isEmpty();
    clock.advance(DiscoverySettings.DEFAULTS.edgeSettle());
    send(s3, 2, Frames.arpRequest(H1, "10.0.0.1", "10.0.0.2"));
    assertThat(manager.host(H1_MAC).orElseThrow().attachment()).as("settled: a move").isEqualTo(Attachment.of(3, 2));
  }

  @Test
  void movedHostIsRelearnedAndItsOldAttachmentForgotten() {
    send(s1, 3, Frames.arpRequest(H1, "10.0.0.1", "10.0.0.2"));
    send(s2, 3, Frames.arpRequest(H1, "10.0.0.1", "10.0.0.2"));
    Host h = manager.host(H1_MAC).orElseThrow();
    assertThat(h.attachment()).isEqualTo(Attachment.of(2, 3));
    assertThat(manager.hosts()).containsExactly(h);
    assertThat(manager.hostByAddress(IPv4Address.of("10.0.0.1"))).contains(h);
    assertThat(net.events(HostMoved.class)).containsExactly(new HostMoved(h, Attachment.of(1, 3)));
  }

  @Test
  void anAddressClaimedByAnotherMacStaysWithItsOwner() {
    // h2 forges ARP (a reply, a gratuitous request) and IP with h1's address, from another port
    send(s1, 3, Frames.arpRequest(H1, "10.0.0.1", "10.0.0.9"));
    send(s2, 3, Frames.arpRequest("00:00:00:00:00:02", "10.0.0.1", "10.0.0.9"));
    send(s2, 3, Frames.arpRequest("00:00:00:00:00:02", "10.0.0.1", "10.0.0.1"));
    send(s1, 4, Frames.ipv4("00:00:00:00:00:02", "00:00:00:00:00:03", "10.0.0.1", "10.0.0.9"));
    assertThat(manager.hostByAddress(IPv4Address.of("10.0.0.1")).orElseThrow().mac()).isEqualTo(H1_MAC);
    assertThat(manager.host(H1_MAC).orElseThrow().addresses()).containsExactly(IPv4Address.of("10.0.0.1"));
    assertThat(manager.host(MacAddress.of("00:00:00:00:00:02")).orElseThrow().addresses()).isEmpty();
  }

  @Test
  void anAddressIsFreeAgainOnceItsOwnerIsForgotten() {
    send(s1, 3, Frames.arpRequest(H1, "10.0.0.1", "10.0.0.9"));
    manager.portChanged(s1, s1.setPort(3, false));
    send(s2, 3, Frames.arpRequest("00:00:00:00:00:02", "10.0.0.1", "10.0.0.9"));
    assertThat(manager.hostByAddress(IPv4Address.of("10.0.0.1")).orElseThrow().mac())
        .isEqualTo(MacAddress.of("00:00:00:00:00:02"));
  }

  @Test
  void anAddressItsOwnerDroppedCanBeClaimed() {
    send(s1, 3, Frames.arpRequest(H1, "10.1.0.0", "10.0.0.9"));
    for (int i = 1; i <= HostTracker.MAX_ADDRESSES_PER_HOST; i++) {
      send(s1, 3, Frames.ipv4(H1, "00:00:00:00:00:02", "10.1.0." + i, "10.0.0.2"));
    }
    send(s2, 3, Frames.arpRequest("00:00:00:00:00:02", "10.1.0.0", "10.0.0.9"));
    assertThat(manager.hostByAddress(IPv4Address.of("10.1.0.0")).orElseThrow().mac())
        .isEqualTo(MacAddress.of("00:00:00:00:00:02"));
  }

  @Test
  void portDownForgetsItsHosts() {
    send(s1, 3, Frames.arpRequest(H1, "10.0.0.1", "10.0.0.2"));
    manager.portChanged(s1, s1.setPort(3, false));
    assertThat(manager.hosts()).isEmpty();
    assertThat(manager.hostByAddress(IPv4Address.of("10.0.0.1"))).isEmpty();
  }

  @Test
  void switchDisconnectForgetsItsHosts() {
    send(s1, 3, Frames.arpRequest(H1, "10.0.0.1", "10.0.0.2"));
    manager.switchDisconnected(s1);
    assertThat(manager.hosts()).isEmpty();
  }

  @Test
  void spoofedSourcesKeepOnlyTheLatestFewAddresses() {
    for (int i = 1; i <= 100; i++) {
      send(s1, 3, Frames.ipv4(H1, "00:00:00:00:00:02", "10.1.0." + i, "10.0.0.2"));
    }
    Host h = manager.host(H1_MAC).orElseThrow();
    assertThat(h.addresses()).hasSize(HostTracker.MAX_ADDRESSES_PER_HOST)
        .contains(IPv4Address.of("10.1.0.100"));
    assertThat(manager.hostByAddress(IPv4Address.of("10.1.0.1"))).isEmpty();
  }

  @Test
  void multicastSourcesAndTruncatedFramesTeachNothing() {
    byte[] arp = Frames.arpRequest(H1, "10.0.0.1", "10.0.0.2");
    for (int len = 0; len < arp.length; len++) {
      send(s1, 3, Arrays.copyOf(arp, len));
    }
    send(s1, 3, Frames.ipv4("01:00:5e:00:00:01", "00:00:00:00:00:02", "10.0.0.7", "10.0.0.2"));
    assertThat(manager.hosts()).allSatisfy(h -> assertThat(h.addresses()).isEmpty());
    assertThat(manager.host(MacAddress.of("01:00:5e:00:00:01"))).isEmpty();
  }
}
