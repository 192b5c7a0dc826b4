package io.statewall.it.firewall;

import io.statewall.mininet.Topology;
import java.util.List;
import java.util.Set;

/** The seed's examples on a ring s1-s2-s3-s4-s1: h1 and h3 face each other, two shortest paths. */
class SeedRingTest extends SeedOnPathsTest {
  @Override
  Topology topology() {
    return Topology.ring(4);
  }

  @Override
  List<Set<String>> pathsFromH1ToH3() {
    return List.of(Set.of("s1", "s2", "s3"), Set.of("s1", "s4", "s3"));
  }
}
