package io.statewall.topology.paths;

import com.google.common.graph.ValueGraph;
import io.statewall.topology.Link;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * Single-pair Dijkstra, stopping once the destination is settled. The queue breaks ties by
 * datapath id, so the same topology always yields the same route.
 */
public final class DijkstraPathEngine implements PathEngine {

  private record Entry(long dist, DatapathId node) implements Comparable<Entry> {
    @Override
    public int compareTo(Entry o) {
      int c = Long.compare(dist, o.dist);
      return c != 0 ? c : node.compareTo(o.node);
    }
  }

  @Override
  public Optional<Route> route(ValueGraph<DatapathId, WeightedLink> graph, DatapathId src,
      DatapathId dst) {
    if (!graph.nodes().contains(src) || !graph.nodes().contains(dst)) {
      return Optional.empty();
    }
    Map<DatapathId, Long> dist = new HashMap<>();
    Map<DatapathId, DatapathId> previous = new HashMap<>();
    PriorityQueue<Entry> queue = new PriorityQueue<>();
    dist.put(src, 0L);
    queue.add(new Entry(0, src));
    while (!queue.isEmpty()) {
      Entry e = queue.poll();
      if (e.dist() > dist.get(e.node())) {
        continue; // a stale queue entry: a shorter one was settled already
      }
      if (e.node().equals(dst)) {
        return Optional.of(build(graph, previous, src, dst, e.dist()));
      }
      for (DatapathId next : graph.adjacentNodes(e.node())) {
        WeightedLink edge = graph.edgeValueOrDefault(e.node(), next, null);
        long d = e.dist() + edge.weight();
        Long known = dist.get(next);
        if (known == null || d < known) {
          dist.put(next, d);
          previous.put(next, e.node());
          queue.add(new Entry(d, next));
        }
      }
    }
    return Optional.empty();
  }

  private static Route build(ValueGraph<DatapathId, WeightedLink> graph,
      Map<DatapathId, DatapathId> previous, DatapathId src, DatapathId dst, long cost) {
    List<DatapathId> switches = new ArrayList<>();
    List<Link> links = new ArrayList<>();
    DatapathId at = dst;
    switches.add(at);
    while (!at.equals(src)) {
      DatapathId before = previous.get(at);
      links.add(graph.edgeValueOrDefault(before, at, null).link());
      switches.add(before);
      at = before;
    }
    Collections.reverse(switches);
    Collections.reverse(links);
    return new Route(switches, links, cost);
  }
}
