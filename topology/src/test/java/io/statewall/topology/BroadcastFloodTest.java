package io.statewall.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.topology.fakes.FakeClock;
import io.statewall.topology.fakes.FakeNetwork;
import io.statewall.topology.fakes.Topologies;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;

class BroadcastFloodTest {

  private final FakeClock clock = new FakeClock();
  private final TopologyManager manager = Topologies.manager(clock);

  /** Floods a frame from {@code from} hop by hop over broadcast ports; counts arrivals per switch. */
  private Map<Long, Integer> flood(Attachment from, int maxSteps) {
    Map<Attachment, Attachment> peer = new HashMap<>();
    for (Link l : manager.links()) {
      peer.put(l.a(), l.b());
      peer.put(l.b(), l.a());
    }
    Map<Long, Integer> arrivals = new HashMap<>();
    Deque<Attachment> inFlight = new ArrayDeque<>();
    inFlight.add(from);
    int steps = 0;
    while (!inFlight.isEmpty() && steps++ < maxSteps) {
      Attachment in = inFlight.poll();
      arrivals.merge(in.sw().getLong(), 1, Integer::sum);
      for (OFPort out : manager.broadcastPorts(in.sw())) {
        Attachment next = peer.get(new Attachment(in.sw(), out));
        if (!out.equals(in.port()) && next != null) {
          inFlight.add(next);
        }
      }
    }
    return arrivals;
  }

  @Test
  void floodOnARingReachesEverySwitchOnceAndStops() {
    FakeNetwork net = Topologies.ring(manager, 4);
    net.deliver();
    assertThat(manager.links()).hasSize(4);
    assertThat(flood(Attachment.of(1, 3), 1_000)).containsOnly(
        Map.entry(1L, 1), Map.entry(2L, 1), Map.entry(3L, 1), Map.entry(4L, 1));
  }

  @Test
  void hostPortsStayInTheTreeAndTheBlockedLinkIsBlockedAtBothEnds() {
    FakeNetwork net = Topologies.ring(manager, 4);
    net.deliver();
    int blockedEnds = 0;
    for (long s = 1; s <= 4; s++) {
      assertThat(manager.broadcastPorts(DatapathId.of(s))).contains(OFPort.of(3));
      blockedEnds += 3 - manager.broadcastPorts(DatapathId.of(s)).size();
    }
    assertThat(blockedEnds).isEqualTo(2);
  }

  @Test
  void treeIsRecomputedWhenATreeLinkFails() {
    FakeNetwork net = Topologies.ring(manager, 4);
    net.deliver();
    Link treeLink = manager.links().stream()
        .filter(l -> manager.broadcastPorts(l.a().sw()).contains(l.a().port()))
        .findFirst().orElseThrow();
    manager.portChanged(net.sw(treeLink.a().sw().getLong()),
        net.sw(treeLink.a().sw().getLong()).setPort(treeLink.a().port().getPortNumber(), false));
    assertThat(manager.links()).hasSize(3);
    assertThat(flood(Attachment.of(1, 3), 1_000)).containsOnly(
        Map.entry(1L, 1), Map.entry(2L, 1), Map.entry(3L, 1), Map.entry(4L, 1));
  }

  @Test
  void halfDiscoveredPortIsNotFloodedOn() {
    FakeNetwork net = Topologies.ring(manager, 3);
    net.sw(2).clear(); // only s1's and s3's probes arrive: s1-s2 and s2-s3 are half-seen
    net.deliverFrom(1);
    net.deliverFrom(3);
    net.sw(2).clear(); // s2's answers are lost too
    assertThat(manager.broadcastPorts(DatapathId.of(2))).containsExactly(OFPort.of(3));
  }

  @Test
  void portWhoseLoneHalfLinkTimedOutIsAnEdgePortAgain() {
    FakeNetwork net = Topologies.ring(manager, 3);
    net.sw(2).clear();
    net.deliverFrom(1);
    net.deliverFrom(3);
    net.sw(2).clear(); // its answers too: s1-s2 and s2-s3 stay half-seen
    assertThat(manager.isInterSwitchPort(Attachment.of(2, 1))).isTrue();
    clock.advance(java.time.Duration.ofSeconds(17));
    manager.probeAndExpire(java.util.List.of()); // no probes at all: every half-link goes silent
    assertThat(manager.isInterSwitchPort(Attachment.of(2, 1))).isFalse();
    assertThat(manager.broadcastPorts(DatapathId.of(2)))
        .containsExactlyInAnyOrder(OFPort.of(1), OFPort.of(2), OFPort.of(3));
  }

  @Test
  void listenersSeeEventsAfterTheStateTheyDescribe() {
    Map<String, Integer> linksSeen = new HashMap<>();
    manager.addListener(e -> {
      if (e instanceof TopologyEvent.LinkUp up) {
        linksSeen.put(up.link().toString(), manager.links().contains(up.link()) ? 1 : 0);
      }
    });
    Topologies.ring(manager, 3).deliver();
    assertThat(linksSeen).hasSize(3).containsValues(1, 1, 1).doesNotContainValue(0);
  }
}
