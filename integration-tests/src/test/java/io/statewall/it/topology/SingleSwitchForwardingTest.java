package io.statewall.it.topology;

import io.statewall.mininet.Topology;
import java.util.List;

/** One switch, three hosts: forwarding without links. */
class SingleSwitchForwardingTest extends RealSwitchForwardingTest {

  @Override
  Topology topology() {
    return Topology.single(3);
  }

  @Override
  List<List<String>> entryCheckPairs() {
    return List.of(List.of("h1", "h3"));
  }
}
