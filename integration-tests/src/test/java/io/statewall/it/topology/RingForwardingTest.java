package io.statewall.it.topology;

import io.statewall.mininet.Topology;
import java.util.List;

/**
 * A ring of four switches with no spanning tree protocol on the switches: floods follow the
 * controller's tree, so the loop never storms.
 */
class RingForwardingTest extends RealSwitchForwardingTest {

  @Override
  Topology topology() {
    return Topology.ring(4);
  }

  @Override
  List<List<String>> entryCheckPairs() {
    // h1-h2 leaves s3 and s4 alone; h1-h3 has two shortest paths and must use exactly one
    return List.of(List.of("h1", "h2"), List.of("h1", "h3"));
  }
}
