package io.statewall.topology.paths;

import com.google.common.graph.EndpointPair;
import com.google.common.graph.ValueGraph;
import io.statewall.topology.Link;
import io.statewall.topology.paths.PathEngine.WeightedLink;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * The links floods may cross: a minimum spanning forest of the switch graph (Kruskal, ties broken
 * by link), so every switch is reached once and a ring never storms.
 */
public final class BroadcastTree {

  private BroadcastTree() {}

  public static Set<Link> spanningForest(ValueGraph<DatapathId, WeightedLink> graph) {
    List<WeightedLink> edges = new ArrayList<>();
    for (EndpointPair<DatapathId> e : graph.edges()) {
      edges.add(graph.edgeValueOrDefault(e.nodeU(), e.nodeV(), null));
    }
    edges.sort(Comparator.comparingLong(WeightedLink::weight)
        .thenComparing(w -> w.link().a()).thenComparing(w -> w.link().b()));
    Map<DatapathId, DatapathId> parent = new HashMap<>();
    Set<Link> tree = new HashSet<>();
    for (WeightedLink w : edges) {
      DatapathId x = root(parent, w.link().a().sw());
      DatapathId y = root(parent, w.link().b().sw());
      if (!x.equals(y)) {
        parent.put(x, y);
        tree.add(w.link());
      }
    }
    return Set.copyOf(tree);
  }

  private static DatapathId root(Map<DatapathId, DatapathId> parent, DatapathId n) {
    DatapathId r = n;
    while (parent.containsKey(r)) {
      r = parent.get(r);
    }
    // path compression keeps later finds short
    DatapathId at = n;
    while (!at.equals(r)) {
      DatapathId next = parent.get(at);
      parent.put(at, r);
      at = next;
    }
    return r;
  }

}
