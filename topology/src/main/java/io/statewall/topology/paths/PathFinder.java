package io.statewall.topology.paths;

import com.google.common.graph.ImmutableValueGraph;
import com.google.common.graph.MutableValueGraph;
import com.google.common.graph.ValueGraph;
import com.google.common.graph.ValueGraphBuilder;
import io.statewall.topology.Attachment;
import io.statewall.topology.Hop;
import io.statewall.topology.Link;
import io.statewall.topology.Path;
import io.statewall.topology.paths.PathEngine.WeightedLink;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * Shortest paths and the broadcast tree on the current topology, cached until the topology
 * changes. Updates swap in a whole new snapshot, so readers never lock and never see a cache
 * that belongs to another topology.
 */
public final class PathFinder {

  /** Caps the route cache so that queries for many switch pairs cannot grow memory unboundedly. */
  static final int MAX_CACHED_ROUTES = 1 << 18;

  private record Pair(DatapathId src, DatapathId dst) {}

  private record Snapshot(ImmutableValueGraph<DatapathId, WeightedLink> graph, Set<Link> tree,
      ConcurrentHashMap<Pair, Optional<Route>> routes) {}

  private final PathEngine engine;
  private final LinkWeigher weigher;
  private volatile Snapshot snapshot;

  public PathFinder(PathEngine engine, LinkWeigher weigher) {
    this.engine = engine;
    this.weigher = weigher;
    update(Set.of(), Set.of());
  }

  /** Rebuilds the graph and the tree and drops every cached route. Callers serialise updates. */
  public void update(Collection<DatapathId> switches, Collection<Link> links) {
    MutableValueGraph<DatapathId, WeightedLink> g = ValueGraphBuilder.undirected()
        .allowsSelfLoops(false).expectedNodeCount(Math.max(switches.size(), 1)).build();
    switches.stream().sorted().forEach(g::addNode);
    links.stream().sorted((x, y) -> x.a().compareTo(y.a()) != 0 ? x.a().compareTo(y.a())
        : x.b().compareTo(y.b())).forEach(link -> {
          DatapathId u = link.a().sw();
          DatapathId v = link.b().sw();
          if (u.equals(v) || !g.nodes().contains(u) || !g.nodes().contains(v)) {
            return;
          }
          WeightedLink w = new WeightedLink(link, weigher.weight(link));
          // parallel links: one edge per switch pair, the cheapest (then the smallest) one
          WeightedLink existing = g.edgeValueOrDefault(u, v, null);
          if (existing == null || w.weight() < existing.weight()) {
            g.putEdgeValue(u, v, w);
          }
        });
    ImmutableValueGraph<DatapathId, WeightedLink> graph = ImmutableValueGraph.copyOf(g);
    snapshot = new Snapshot(graph, BroadcastTree.spanningForest(graph), new ConcurrentHashMap<>());
  }

  public ValueGraph<DatapathId, WeightedLink> graph() {
    return snapshot.graph();
  }

  /** The links of the broadcast tree (a spanning forest when the network is partitioned). */
  public Set<Link> treeLinks() {
    return snapshot.tree();
  }

  public Optional<Route> route(DatapathId src, DatapathId dst) {
    Snapshot s = snapshot;
    Pair key = new Pair(src, dst);
    Optional<Route> cached = s.routes().get(key);
    if (cached != null) {
      return cached;
    }
    Optional<Route> r = engine.route(s.graph(), src, dst);
    if (s.routes().size() >= MAX_CACHED_ROUTES) {
      s.routes().clear();
    }
    s.routes().put(key, r);
    return r;
  }

  /** The path between two attachments; empty if unreachable, or if both are the same port. */
  public Optional<Path> path(Attachment src, Attachment dst) {
    if (src.equals(dst)) {
      return Optional.empty();
    }
    Optional<Route> route = src.sw().equals(dst.sw())
        ? Optional.of(new Route(List.of(src.sw()), List.of(), 0))
        : route(src.sw(), dst.sw());
    if (route.isEmpty()) {
      return Optional.empty();
    }
    Route r = route.get();
    List<Hop> hops = new ArrayList<>(r.switches().size());
    Attachment in = src;
    for (int i = 0; i < r.links().size(); i++) {
      Link link = r.links().get(i);
      Attachment out = link.endOn(r.switches().get(i));
      hops.add(new Hop(in.sw(), in.port(), out.port()));
      in = link.opposite(out);
    }
    hops.add(new Hop(in.sw(), in.port(), dst.port()));
    if (hops.get(hops.size() - 1).in().equals(dst.port()) && hops.size() > 1) {
      return Optional.empty(); // the destination is the very port the route enters by: no path
    }
    return Optional.of(new Path(src, dst, hops, r.links()));
  }
}
