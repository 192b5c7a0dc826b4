package io.statewall.topology.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.topology.Attachment;
import io.statewall.topology.Link;
import io.statewall.topology.TopologyEvent.LinkDown;
import io.statewall.topology.TopologyEvent.LinkUp;
import io.statewall.topology.TopologyEvent.Reason;
import io.statewall.topology.TopologyManager;
import io.statewall.topology.fakes.FakeClock;
import io.statewall.topology.fakes.FakeNetwork;
import io.statewall.topology.fakes.FakeSwitch;
import io.statewall.topology.fakes.Topologies;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;
import org.projectfloodlight.openflow.types.MacAddress;

class LinkDiscoveryTest {

  private static final Link S1_S2 = Link.between(Attachment.of(1, 1), Attachment.of(2, 2));

  private final FakeClock clock = new FakeClock();
  private final TopologyManager manager = Topologies.manager(clock);
  private final FakeNetwork net = new FakeNetwork(manager);

  private void twoSwitches(OFVersion v1, OFVersion v2) {
    net.add(new FakeSwitch(1, v1, 1, 3));
    net.add(new FakeSwitch(2, v2, 2, 3));
    net.cable(1, 1, 2, 2);
  }

  @Test
  void readySwitchIsProbedOnEveryUpPhysicalPort() {
    FakeSwitch s = FakeSwitch.of13(9, 1, 2, 3);
    s.setPort(2, false);
    manager.switchReady(s);
    List<OFPacketOut> outs = s.packetOuts();
    assertThat(outs).extracting(po -> ((OFActionOutput) po.getActions().get(0)).getPort()
        .getPortNumber()).containsExactlyInAnyOrder(1, 3);
    assertThat(outs).allSatisfy(po -> assertThat(po.getData()[12] & 0xFF).isEqualTo(0x88));
  }

  @Test
  void aProbeAskedForOutOfTheTimersRoundFindsTheLinkAtOnce() {
    // both switches' first probes were held back (a cluster member, SLAVE until now, writes nothing)
    twoSwitches(OFVersion.OF_13, OFVersion.OF_13);
    net.sw(1).clear();
    net.sw(2).clear();
    assertThat(manager.links()).isEmpty();

    manager.probe(net.sw(1).id()); // it became master of s1: probed now, s2 answers at once
    net.deliverFrom(1);
    net.deliverFrom(2);

    assertThat(manager.links()).containsExactly(S1_S2);
    net.sw(1).disconnect();
    manager.switchDisconnected(net.sw(1));
    net.sw(1).clear();
    manager.probe(net.sw(1).id());
    assertThat(net.sw(1).packetOuts()).as("a switch gone is not probed").isEmpty();
  }

  @Test
  void linkAppearsOnlyWhenBothDirectionsAreSeen() {
    twoSwitches(OFVersion.OF_13, OFVersion.OF_13);
    net.sw(2).clear(); // s2's probes are lost: only s1 -> s2 is seen
    net.deliverFrom(1);
    net.sw(2).clear(); // and so is s2's answer
    assertThat(manager.links()).isEmpty();
    assertThat(manager.isInterSwitchPort(Attachment.of(2, 2))).isTrue();

    net.probeAll();
    assertThat(manager.links()).containsExactly(S1_S2);
    assertThat(net.events(LinkUp.class)).containsExactly(new LinkUp(S1_S2));
  }

  @Test
  void aProbeFromAPortWhoseOwnProbesWereLostIsAnsweredAtOnce() {
    // s1's first probes went out before s2 was ready (lost); s2's first probe reaches s1
    twoSwitches(OFVersion.OF_13, OFVersion.OF_13);
    net.sw(1).clear();
    net.deliverFrom(2);
    assertThat(manager.links()).isEmpty();
    assertThat(net.sw(1).packetOuts()).as("s1 answers out of the port the probe came in by")
        .singleElement()
        .satisfies(po -> assertThat(((OFActionOutput) po.getActions().get(0)).getPort()
            .getPortNumber()).isEqualTo(1));

    net.deliverFrom(1);
    assertThat(manager.links()).as("up one round trip later, without a periodic round")
        .containsExactly(S1_S2);
    assertThat(net.sw(2).packetOuts()).as("the answer completes the link: no answer to it")
        .isEmpty();
  }

  @Test
  void probesOfAKnownLinkAndRejectedProbesGetNoAnswer() {
    twoSwitches(OFVersion.OF_13, OFVersion.OF_13);
    net.deliver();
    assertThat(manager.links()).containsExactly(S1_S2);
    net.probeAll();
    assertThat(net.sw(1).packetOuts()).isEmpty();
    assertThat(net.sw(2).packetOuts()).isEmpty();

    byte[] forged = new LldpCodec(LldpSigner.withRandomKey(), 3_000)
        .encode(Attachment.of(2, 3), MacAddress.of(2), clock.millis(), 1);
    manager.receive(net.sw(1), net.sw(1).packetIn(3, forged));
    assertThat(net.sw(1).packetOuts()).as("a forged probe makes the controller send nothing")
        .isEmpty();
  }

  @Test
  void openFlow10And13SwitchesDiscoverEachOther() {
    twoSwitches(OFVersion.OF_10, OFVersion.OF_13);
    net.deliver();
    assertThat(manager.links()).containsExactly(S1_S2);
  }

  @Test
  void forgedProbeFromAHostCreatesNoLink() {
    twoSwitches(OFVersion.OF_13, OFVersion.OF_13);
    net.sw(1).clear();
    net.sw(2).clear();
    // a host on s1/3 and one on s2/3 forge probes claiming each other's ports, with a guessed key
    LldpCodec forger = new LldpCodec(new LldpSigner("attacker-chosen key, 32 bytes...".getBytes()), 3_000);
    MacAddress hostMac = MacAddress.of("00:00:00:00:00:66");
    manager.receive(net.sw(1), net.sw(1).packetIn(3,
        forger.encode(Attachment.of(2, 3), hostMac, clock.millis(), 1)));
    manager.receive(net.sw(2), net.sw(2).packetIn(3,
        forger.encode(Attachment.of(1, 3), hostMac, clock.millis(), 1)));
    assertThat(manager.links()).isEmpty();
    assertThat(manager.isInterSwitchPort(Attachment.of(1, 3))).isFalse();
    assertThat(net.events(LinkUp.class)).isEmpty();
  }

  @Test
  void replayedProbesCreateNoLink() {
    twoSwitches(OFVersion.OF_13, OFVersion.OF_13);
    // the hosts on s1/3 and s2/3 record the genuine probes the controller sends them
    byte[] toHost1 = probeOutOf(net.sw(1), 3);
    byte[] toHost2 = probeOutOf(net.sw(2), 3);
    net.deliver(); // the real link s1/1 - s2/2 comes up
    assertThat(manager.links()).containsExactly(S1_S2);

    clock.advance(Duration.ofSeconds(4)); // past the 3 s freshness window
    manager.receive(net.sw(2), net.sw(2).packetIn(3, toHost1));
    manager.receive(net.sw(1), net.sw(1).packetIn(3, toHost2));
    assertThat(manager.links()).containsExactly(S1_S2);
    assertThat(manager.isInterSwitchPort(Attachment.of(1, 3))).isFalse();
  }

  @Test
  void aProbeIsAcceptedOnceEvenWithinItsWindow() {
    LldpCodec codec = new LldpCodec(new LldpSigner(Topologies.KEY), 3_000);
    LinkDiscovery d = new LinkDiscovery(codec, DiscoverySettings.DEFAULTS);
    byte[] probe = codec.encode(Attachment.of(1, 1), MacAddress.of("02:00:00:00:01:01"), 1_000, 1);
    assertThat(d.received(Attachment.of(2, 2), probe, 1_010, a -> true).verdict())
        .isEqualTo(LldpProbe.Verdict.OK);
    // the same probe copied by a host and injected at another port, still within 3 s
    LinkDiscovery.Result again = d.received(Attachment.of(2, 3), probe, 1_500, a -> true);
    assertThat(again.verdict()).isEqualTo(LldpProbe.Verdict.REPLAYED);
    assertThat(d.isInterSwitchPort(Attachment.of(2, 3))).isFalse();
  }

  @Test
  void probeClaimingAnUnknownOrSameSwitchPortIsIgnored() {
    LldpCodec codec = new LldpCodec(new LldpSigner(Topologies.KEY), 3_000);
    LinkDiscovery d = new LinkDiscovery(codec, DiscoverySettings.DEFAULTS);
    MacAddress mac = MacAddress.of("02:00:00:00:01:01");
    assertThat(d.received(Attachment.of(2, 2), codec.encode(Attachment.of(1, 1), mac, 0, 1), 0,
        a -> false).verdict()).isEqualTo(LldpProbe.Verdict.NOT_OURS);
    assertThat(d.received(Attachment.of(1, 2), codec.encode(Attachment.of(1, 1), mac, 0, 1), 0,
        a -> true).verdict()).isEqualTo(LldpProbe.Verdict.NOT_OURS);
    assertThat(d.isInterSwitchPort(Attachment.of(1, 2))).isFalse();
  }

  @Test
  void portDownRemovesTheLink() {
    twoSwitches(OFVersion.OF_13, OFVersion.OF_13);
    net.deliver();
    manager.portChanged(net.sw(2), net.sw(2).setPort(2, false));
    assertThat(manager.links()).isEmpty();
    assertThat(net.events(LinkDown.class)).containsExactly(new LinkDown(S1_S2, Reason.PORT_DOWN));
  }

  @Test
  void switchDisconnectRemovesItsLinks() {
    twoSwitches(OFVersion.OF_13, OFVersion.OF_13);
    net.deliver();
    manager.switchDisconnected(net.sw(1));
    assertThat(manager.links()).isEmpty();
    assertThat(manager.switches()).extracting(d -> d.getLong()).containsExactly(2L);
    assertThat(net.events(LinkDown.class)).containsExactly(new LinkDown(S1_S2, Reason.SWITCH_DOWN));
  }

  @Test
  void linkTimesOutWhenProbesStopComing() {
    twoSwitches(OFVersion.OF_13, OFVersion.OF_13);
    net.deliver();
    net.cut(1, 1, 2, 2); // silent failure: no port-status, probes just vanish
    for (int i = 0; i < 3; i++) {
      clock.advance(Duration.ofSeconds(5));
      net.probeAll();
    }
    assertThat(manager.links()).containsExactly(S1_S2);
    clock.advance(Duration.ofSeconds(5));
    net.probeAll();
    assertThat(manager.links()).isEmpty();
    assertThat(net.events(LinkDown.class)).containsExactly(new LinkDown(S1_S2, Reason.TIMEOUT));
  }

  @Test
  void refreshedLinkDoesNotTimeOut() {
    twoSwitches(OFVersion.OF_13, OFVersion.OF_13);
    net.deliver();
    for (int i = 0; i < 10; i++) {
      clock.advance(Duration.ofSeconds(5));
      net.probeAll();
    }
    assertThat(manager.links()).containsExactly(S1_S2);
    assertThat(net.events(LinkUp.class)).hasSize(1);
  }

  @Test
  void recablingReplacesTheLink() {
    net.add(FakeSwitch.of13(1, 1));
    net.add(FakeSwitch.of13(2, 2));
    net.add(FakeSwitch.of13(3, 2));
    net.cable(1, 1, 2, 2);
    net.deliver();
    net.sw(3).clear();
    net.cut(1, 1, 2, 2);
    net.cable(1, 1, 3, 2);
    net.probeAll();
    assertThat(manager.links()).containsExactly(Link.between(Attachment.of(1, 1), Attachment.of(3, 2)));
    assertThat(net.events(LinkDown.class)).containsExactly(new LinkDown(S1_S2, Reason.RECABLED));
  }

  private static byte[] probeOutOf(FakeSwitch sw, int port) {
    return sw.packetOuts().stream()
        .filter(po -> ((OFActionOutput) po.getActions().get(0)).getPort().getPortNumber() == port)
        .findFirst().orElseThrow().getData();
  }
}
