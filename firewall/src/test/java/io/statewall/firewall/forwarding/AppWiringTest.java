package io.statewall.firewall.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.fakes.TestFrames;
import io.statewall.firewall.forwarding.fakes.TestNet;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFVersion;

/** The two apps started on a controller context, the way the composition root will wire them. */
class AppWiringTest {

  @Test
  void theTimerProbesEveryReadySwitchEveryRound() {
    TestNet net = TestNet.chain(new OpenPolicy(), ForwardingSettings.DEFAULTS, 3, false, OFVersion.OF_13);
    net.ctx.fakeScheduler().runAll();
    for (long s = 1; s <= 3; s++) {
      assertThat(net.sw(s).packetOuts()).hasSize(3)
          .allSatisfy(po -> assertThat(po.getData()[12] & 0xFF).isEqualTo(0x88));
    }
  }

  @Test
  void lldpNeverReachesForwardingAndLinksComeUp() {
    TestNet net = TestNet.chain(new OpenPolicy(), ForwardingSettings.DEFAULTS, 3, true, OFVersion.OF_13);
    assertThat(net.topology.service().links()).hasSize(3);
    // discovery consumed every probe: forwarding would have flooded or delivered them
    for (long s = 1; s <= 3; s++) {
      assertThat(net.sw(s).written()).isEmpty();
    }
  }

  @Test
  void hostsAreLearnedBeforeForwardingSeesTheirFirstPacket() {
    TestNet net = TestNet.chain(new OpenPolicy(), ForwardingSettings.DEFAULTS, 2, false, OFVersion.OF_13);
    net.attach(2, 2, 3);
    net.send(1, 3, TestFrames.tcp(1, 2, 1234, 80)); // h1's very first frame
    assertThat(net.topology.service().host(TestFrames.mac(1))).isPresent();
    // so h2's reply direction was installable to h1 at once
    assertThat(net.sw(1).flowAdds()).hasSize(2);
  }

  @Test
  void bridgeReservedFramesAreDropped() {
    TestNet net = TestNet.chain(new OpenPolicy(), ForwardingSettings.DEFAULTS, 2, false, OFVersion.OF_13);
    byte[] bpdu = TestFrames.otherBroadcast(1);
    bpdu[0] = 0x01; bpdu[1] = (byte) 0x80; bpdu[2] = (byte) 0xC2; bpdu[3] = 0; bpdu[4] = 0; bpdu[5] = 0;
    net.send(1, 3, bpdu);
    assertThat(net.sw(1).written()).isEmpty();
  }
}
