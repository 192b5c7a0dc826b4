package io.statewall.it.topology;

import io.statewall.mininet.Topology;
import java.util.List;

/** A tree of depth 2 and fanout 2: s1 at the root, h1 and h2 on s2, h3 and h4 on s3. */
class TreeForwardingTest extends RealSwitchForwardingTest {

  @Override
  Topology topology() {
    return Topology.tree(2, 2);
  }

  @Override
  List<List<String>> entryCheckPairs() {
    // h1-h2 never leaves s2; h1-h4 crosses the root
    return List.of(List.of("h1", "h2"), List.of("h1", "h4"));
  }
}
