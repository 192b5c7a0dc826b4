package io.statewall.topology.hosts;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.topology.Attachment;
import io.statewall.topology.Host;
import io.statewall.topology.TopologyEvent;
import io.statewall.topology.TopologyEvent.HostRemoved;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.MacAddress;

/** Aging, the per-port limit and eviction: a flood of forged sources from one port stays on that port. */
class HostTableLimitsTest {
  private static final Attachment EDGE = Attachment.of(1, 3);
  private static final Attachment ELSEWHERE = Attachment.of(2, 3);
  private long now = 1_000;

  private static Sighting at(Attachment port, long mac, String address) {
    return new Sighting(MacAddress.of(0x0200_0000_0000L + mac), address == null ? null : IPv4Address.of(address),
        port);
  }

  private static List<MacAddress> removed(List<TopologyEvent> events) {
    return events.stream().filter(HostRemoved.class::isInstance).map(e -> ((HostRemoved) e).host().mac()).toList();
  }

  @Test
  void seventyThousandForgedMacsFromOnePortDoNotStopARealHostBeingLearnedElsewhere() {
    HostTracker hosts = new HostTracker(65_536, 1_024, HostTracker.DEFAULT_MAX_AGE);
    for (int i = 0; i < 70_000; i++) {
      hosts.learn(at(EDGE, i, null), now);
    }

    hosts.learn(at(ELSEWHERE, 1_000_000, "10.0.0.9"), now);

    assertThat(hosts.byAddress(IPv4Address.of("10.0.0.9"))).map(Host::attachment).contains(ELSEWHERE);
    assertThat(hosts.hosts()).filteredOn(h -> h.attachment().equals(EDGE)).hasSize(1_024);
    assertThat(hosts.hosts()).hasSize(1_025);
  }

  @Test
  void aFullPortEvictsItsOldestHostOnly() {
    HostTracker hosts = new HostTracker(100, 2, HostTracker.DEFAULT_MAX_AGE);
    hosts.learn(at(ELSEWHERE, 9, null), now);
    hosts.learn(at(EDGE, 1, null), now);
    hosts.learn(at(EDGE, 2, null), now);

    List<TopologyEvent> events = hosts.learn(at(EDGE, 3, null), now);

    assertThat(removed(events)).containsExactly(MacAddress.of(0x0200_0000_0001L));
    assertThat(hosts.hosts()).extracting(h -> h.mac().getLong() & 0xFF).containsExactlyInAnyOrder(9L, 2L, 3L);
  }

  @Test
  void aFullTableEvictsTheOldestHostOfTheFullestPort() {
    HostTracker hosts = new HostTracker(3, 3, HostTracker.DEFAULT_MAX_AGE);
    hosts.learn(at(EDGE, 1, null), now);
    hosts.learn(at(ELSEWHERE, 2, null), now);
    hosts.learn(at(EDGE, 3, null), now);

    List<TopologyEvent> events = hosts.learn(at(Attachment.of(3, 1), 4, null), now);

    assertThat(removed(events)).containsExactly(MacAddress.of(0x0200_0000_0001L));
    assertThat(hosts.hosts()).hasSize(3);
  }

  @Test
  void aHostNotSeenForTheAgeIsForgottenAndItsAddressFreed() {
    HostTracker hosts = new HostTracker(100, 10, Duration.ofSeconds(300));
    Sighting quiet = at(EDGE, 1, "10.0.0.1");
    Sighting chatty = at(EDGE, 2, "10.0.0.2");
    hosts.learn(quiet, now);
    hosts.learn(chatty, now);
    assertThat(hosts.isCurrent(chatty, now + 200_000)).isTrue(); // seen again: its age starts over

    List<TopologyEvent> events = hosts.expire(now + 300_000);

    assertThat(removed(events)).containsExactly(quiet.mac());
    assertThat(hosts.byMac(chatty.mac())).isPresent();
    hosts.learn(at(ELSEWHERE, 3, "10.0.0.1"), now + 300_000);
    assertThat(hosts.byAddress(IPv4Address.of("10.0.0.1"))).map(Host::attachment).contains(ELSEWHERE);
    assertThat(removed(hosts.expire(now + 500_000))).containsExactly(chatty.mac());
  }

  @Test
  void aHostThatMovesCountsOnItsNewPortOnly() {
    HostTracker hosts = new HostTracker(100, 1, HostTracker.DEFAULT_MAX_AGE);
    hosts.learn(at(EDGE, 1, null), now);
    hosts.learn(at(ELSEWHERE, 1, null), now);

    List<TopologyEvent> events = new ArrayList<>(hosts.learn(at(EDGE, 2, null), now));

    assertThat(removed(events)).as("the port it left has room").isEmpty();
    assertThat(hosts.hosts()).hasSize(2);
  }
}
