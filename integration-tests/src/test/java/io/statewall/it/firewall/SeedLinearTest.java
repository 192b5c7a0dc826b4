package io.statewall.it.firewall;

import io.statewall.mininet.Topology;
import java.util.List;
import java.util.Set;

/** The seed's examples on a chain s1-s2-s3 (h1, h2, h3 one per switch). */
class SeedLinearTest extends SeedOnPathsTest {
  @Override
  Topology topology() {
    return Topology.linear(3);
  }

  @Override
  List<Set<String>> pathsFromH1ToH3() {
    return List.of(Set.of("s1", "s2", "s3"));
  }
}
