package io.statewall.topology.paths;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.topology.Attachment;
import io.statewall.topology.Hop;
import io.statewall.topology.Link;
import io.statewall.topology.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;

class PathFinderTest {

  private final PathFinder finder = new PathFinder(new DijkstraPathEngine(), LinkWeigher.HOP_COUNT);

  static List<DatapathId> switches(int n) {
    return LongStream.rangeClosed(1, n).mapToObj(DatapathId::of).toList();
  }

  /** Switch i port 1 to switch i+1 port 2, closing the ring. */
  static List<Link> ring(int n) {
    List<Link> links = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      links.add(Link.between(Attachment.of(i, 1), Attachment.of(i % n + 1, 2)));
    }
    return links;
  }

  private static Hop hop(long sw, int in, int out) {
    return new Hop(DatapathId.of(sw), OFPort.of(in), OFPort.of(out));
  }

  @Test
  void ringTakesTheShorterWayRound() {
    finder.update(switches(6), ring(6));
    Path p = finder.path(Attachment.of(1, 3), Attachment.of(5, 3)).orElseThrow();
    // 1 -> 6 -> 5 (two hops back) rather than 1 -> 2 -> 3 -> 4 -> 5
    assertThat(p.hops()).containsExactly(hop(1, 3, 2), hop(6, 1, 2), hop(5, 1, 3));
    assertThat(p.links()).hasSize(2);
  }

  @Test
  void treeGoesUpAndDown() {
    // root 1; children 2 (port 1) and 3 (port 2); 2 has leaves 4, 5; 3 has leaves 6, 7
    List<Link> tree = List.of(
        Link.between(Attachment.of(1, 1), Attachment.of(2, 10)),
        Link.between(Attachment.of(1, 2), Attachment.of(3, 10)),
        Link.between(Attachment.of(2, 1), Attachment.of(4, 10)),
        Link.between(Attachment.of(2, 2), Attachment.of(5, 10)),
        Link.between(Attachment.of(3, 1), Attachment.of(6, 10)),
        Link.between(Attachment.of(3, 2), Attachment.of(7, 10)));
    finder.update(switches(7), tree);
    Path p = finder.path(Attachment.of(4, 1), Attachment.of(7, 1)).orElseThrow();
    assertThat(p.hops()).containsExactly(hop(4, 1, 10), hop(2, 1, 10), hop(1, 1, 2), hop(3, 10, 2),
        hop(7, 10, 1));
    assertThat(p.reversed().hops()).containsExactly(hop(7, 1, 10), hop(3, 2, 10), hop(1, 2, 1),
        hop(2, 10, 1), hop(4, 10, 1));
  }

  @Test
  void disconnectedSwitchesHaveNoPath() {
    finder.update(switches(4), List.of(Link.between(Attachment.of(1, 1), Attachment.of(2, 2)),
        Link.between(Attachment.of(3, 1), Attachment.of(4, 2))));
    assertThat(finder.path(Attachment.of(1, 3), Attachment.of(4, 3))).isEmpty();
    assertThat(finder.path(Attachment.of(1, 3), Attachment.of(99, 3))).isEmpty();
  }

  @Test
  void sameSwitchIsOneHopAndSamePortIsNoPath() {
    finder.update(switches(1), List.of());
    assertThat(finder.path(Attachment.of(1, 3), Attachment.of(1, 4)).orElseThrow().hops())
        .containsExactly(hop(1, 3, 4));
    assertThat(finder.path(Attachment.of(1, 3), Attachment.of(1, 3))).isEmpty();
  }

  @Test
  void cachedRouteIsDroppedWhenTheTopologyChanges() {
    List<Link> links = ring(4);
    finder.update(switches(4), links);
    Route before = finder.route(DatapathId.of(1), DatapathId.of(2)).orElseThrow();
    assertThat(finder.route(DatapathId.of(1), DatapathId.of(2)).orElseThrow()).isSameAs(before);
    assertThat(before.links()).containsExactly(links.get(0));

    finder.update(switches(4), links.subList(1, 4)); // the 1-2 link fails
    assertThat(finder.route(DatapathId.of(1), DatapathId.of(2)).orElseThrow().switches())
        .extracting(DatapathId::getLong).containsExactly(1L, 4L, 3L, 2L);
  }

  @Test
  void weigherCanMakeALongerWayCheaper() {
    List<Link> links = ring(4);
    Link expensive = links.get(0);
    PathFinder weighted = new PathFinder(new DijkstraPathEngine(),
        l -> l.equals(expensive) ? 10 : 1);
    weighted.update(switches(4), links);
    assertThat(weighted.route(DatapathId.of(1), DatapathId.of(2)).orElseThrow().cost()).isEqualTo(3);
  }

  @Test
  void engineIsSwappable() {
    PathFinder never = new PathFinder((g, s, d) -> java.util.Optional.empty(), LinkWeigher.HOP_COUNT);
    never.update(switches(4), ring(4));
    assertThat(never.path(Attachment.of(1, 3), Attachment.of(2, 3))).isEmpty();
  }

  @Test
  void broadcastTreeOfARingLeavesOutOneLink() {
    List<Link> links = ring(5);
    finder.update(switches(5), links);
    Set<Link> tree = finder.treeLinks();
    assertThat(tree).hasSize(4);
    assertThat(links).containsAll(tree);
  }

  @Test
  void broadcastTreeSpansEveryPartition() {
    finder.update(switches(4), List.of(Link.between(Attachment.of(1, 1), Attachment.of(2, 2)),
        Link.between(Attachment.of(3, 1), Attachment.of(4, 2))));
    assertThat(finder.treeLinks()).hasSize(2);
  }
}
