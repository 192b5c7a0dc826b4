package io.statewall.it.topology;

import io.statewall.mininet.Topology;
import java.util.List;

/** Three switches in a chain, one host on each. */
class LinearForwardingTest extends RealSwitchForwardingTest {

  @Override
  Topology topology() {
    return Topology.linear(3);
  }

  @Override
  List<List<String>> entryCheckPairs() {
    // h1-h2 leaves s3 alone
    return List.of(List.of("h1", "h2"), List.of("h3", "h1"));
  }
}
