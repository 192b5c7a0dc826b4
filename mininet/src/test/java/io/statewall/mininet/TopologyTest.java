package io.statewall.mininet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.mininet.Topology.Link;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TopologyTest {

  static Stream<Arguments> shapes() {
    return Stream.of(
        Arguments.of("single switch puts every host on s1", Topology.single(3),
            List.of("h1", "h2", "h3"), List.of("s1"),
            List.of("h1-s1", "h2-s1", "h3-s1"), false),
        Arguments.of("linear chains switches with one host each", Topology.linear(3),
            List.of("h1", "h2", "h3"), List.of("s1", "s2", "s3"),
            List.of("h1-s1", "h2-s2", "s1-s2", "h3-s3", "s2-s3"), false),
        Arguments.of("ring closes the chain and has a loop", Topology.ring(3),
            List.of("h1", "h2", "h3"), List.of("s1", "s2", "s3"),
            List.of("h1-s1", "h2-s2", "h3-s3", "s1-s2", "s2-s3", "s3-s1"), true),
        Arguments.of("tree numbers depth first like Mininet's TreeTopo", Topology.tree(2, 2),
            List.of("h1", "h2", "h3", "h4"), List.of("s1", "s2", "s3"),
            List.of("s2-h1", "s2-h2", "s1-s2", "s3-h3", "s3-h4", "s1-s3"), false),
        Arguments.of("explicit links sort nodes by number", Topology.links("h10-s2", "h2-s1", "s1-s2"),
            List.of("h2", "h10"), List.of("s1", "s2"), List.of("h10-s2", "h2-s1", "s1-s2"), false),
        Arguments.of("explicit links may form a loop", Topology.links("s1-s2", "s2-s3", "s3-s1"),
            List.of(), List.of("s1", "s2", "s3"), List.of("s1-s2", "s2-s3", "s3-s1"), true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void buildsMininetsNodesAndLinks(String behaviour, Topology topology, List<String> hosts,
      List<String> switches, List<String> links, boolean loop) {
    Topology.Spec spec = topology.spec();
    assertThat(spec.hosts()).containsExactlyElementsOf(hosts);
    assertThat(spec.switches()).containsExactlyElementsOf(switches);
    assertThat(spec.links()).extracting(l -> l.a() + "-" + l.b()).containsExactlyElementsOf(links);
    assertThat(spec.hasLoop()).isEqualTo(loop);
  }

  static Stream<Arguments> badShapes() {
    return Stream.<Arguments>of(
        Arguments.of("no hosts", (Runnable) () -> Topology.single(0), "between 1 and 254"),
        Arguments.of("ring of two", (Runnable) () -> Topology.ring(2), "at least 3"),
        Arguments.of("huge tree", (Runnable) () -> Topology.tree(5, 4), "too big"),
        Arguments.of("link without dash", (Runnable) () -> Topology.links("h1s1"), "a-b"),
        Arguments.of("unknown node kind", (Runnable) () -> Topology.links("x1-s1"), "'x1'"),
        Arguments.of("self link", (Runnable) () -> new Link("s1", "s1"), "two different"),
        Arguments.of("hosts only", (Runnable) () -> Topology.links("h1-h2").spec(), "one switch"),
        Arguments.of("no links", (Runnable) () -> Topology.links(), "at least one link"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badShapes")
  void rejectsBadShapesWithAClearMessage(String behaviour, Runnable build, String message) {
    assertThatThrownBy(build::run).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
