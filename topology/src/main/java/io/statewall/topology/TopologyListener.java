package io.statewall.topology;

/** Receives topology events, one at a time, in the order they happened, after state is updated. */
@FunctionalInterface
public interface TopologyListener {
  void topologyChanged(TopologyEvent event);
}
