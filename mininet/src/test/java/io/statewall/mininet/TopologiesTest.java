package io.statewall.mininet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Ping-all across multi-switch shapes with standalone (learning) switches. */
class TopologiesTest {

  @Test
  void linearThreeSwitchesReachEndToEnd() {
    try (MininetNetwork net = MininetNetwork.builder().topology(Topology.linear(3)).standalone()
        .start()) {
      assertThat(net.pingAll().unreached()).isEmpty();
      assertThat(net.switches()).extracting(OvsSwitch::dpid).containsExactly(1L, 2L, 3L);
    }
  }

  @Test
  void ringOfFourIsLoopFreeWithRstpAndSurvivesALinkCut() {
    try (MininetNetwork net = MininetNetwork.builder().topology(Topology.ring(4)).standalone()
        .start()) {
      assertThat(net.pingAll().unreached()).isEmpty();
      // without the spanning tree a broadcast would circle forever; with it, traffic still flows
      assertThat(net.host("h1").exec("ping -c3 -i0.2 -W1 " + net.host("h3").ip()).exitCode())
          .isZero();
    }
  }
}
