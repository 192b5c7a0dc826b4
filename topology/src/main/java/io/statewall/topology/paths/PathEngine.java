package io.statewall.topology.paths;

import com.google.common.graph.ValueGraph;
import io.statewall.topology.Link;
import java.util.Optional;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * Computes one shortest route on a switch graph; swappable (Dijkstra, all-pairs, ECMP...).
 * The graph's edge values are the links, each carrying its weight.
 */
@FunctionalInterface
public interface PathEngine {
  Optional<Route> route(ValueGraph<DatapathId, WeightedLink> graph, DatapathId src, DatapathId dst);

  /** A link and its cost, the value of a graph edge. */
  record WeightedLink(Link link, long weight) {
    public WeightedLink {
      if (weight <= 0) {
        throw new IllegalArgumentException("link weight must be positive: " + weight);
      }
    }
  }
}
