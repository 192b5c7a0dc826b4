package io.statewall.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.topology.fakes.ClusterNetwork;
import io.statewall.topology.fakes.FakeClock;
import io.statewall.topology.fakes.Topologies;
import java.time.Duration;
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
}
