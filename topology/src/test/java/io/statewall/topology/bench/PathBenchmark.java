package io.statewall.topology.bench;

import io.statewall.topology.Attachment;
import io.statewall.topology.Link;
import io.statewall.topology.Path;
import io.statewall.topology.paths.DijkstraPathEngine;
import io.statewall.topology.paths.LinkWeigher;
import io.statewall.topology.paths.PathFinder;
import io.statewall.topology.paths.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * Shortest paths on 1,000 switches: computed (Dijkstra, no cache) and from the cache, against a
 * HashMap lookup measured in the same run as the baseline.
 *
 * <p>Topologies: a 25 x 40 grid (long paths, Dijkstra visits most of the graph between opposite
 * corners) and a random graph (a ring plus 1,000 random chords, about 4 links per switch). The
 * pair measured is switch 1 and the switch farthest from it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PathBenchmark {

  private static final int N = 1_000;

  @Param({"grid", "random"})
  public String shape;

  private final DijkstraPathEngine engine = new DijkstraPathEngine();
  private PathFinder finder;
  private DatapathId src;
  private DatapathId dst;
  private Attachment srcHost;
  private Attachment dstHost;
  private final Map<Pair, Object> baseline = new HashMap<>();
  private Pair baselineKey;

  private record Pair(DatapathId a, DatapathId b) {}

  @Setup
  public void setup() {
    List<DatapathId> switches = new ArrayList<>();
    for (int i = 1; i <= N; i++) {
      switches.add(DatapathId.of(i));
    }
    List<Link> links = shape.equals("grid") ? grid(25, 40) : random(new Random(42));
    finder = new PathFinder(engine, LinkWeigher.HOP_COUNT);
    finder.update(switches, links);
    src = DatapathId.of(1);
    dst = farthestFrom(src, switches);
    srcHost = new Attachment(src, org.projectfloodlight.openflow.types.OFPort.of(1000));
    dstHost = new Attachment(dst, org.projectfloodlight.openflow.types.OFPort.of(1000));
    if (finder.path(srcHost, dstHost).isEmpty()) {
      throw new IllegalStateException("benchmark topology is disconnected");
    }
    for (int i = 1; i <= N; i++) {
      baseline.put(new Pair(DatapathId.of(i), DatapathId.of(N + 1 - i)), Optional.empty());
    }
    baselineKey = new Pair(src, dst);
  }

  /** The switch with the longest shortest path from {@code from}: the worst case for Dijkstra. */
  private DatapathId farthestFrom(DatapathId from, List<DatapathId> switches) {
    DatapathId far = from;
    long worst = -1;
    for (DatapathId d : switches) {
      long cost = engine.route(finder.graph(), from, d).orElseThrow().cost();
      if (cost > worst) {
        worst = cost;
        far = d;
      }
    }
    return far;
  }

  /** Ports: 1..4 on grids (east, west, south, north); random graphs number ports per switch. */
  private static List<Link> grid(int rows, int cols) {
    List<Link> links = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        int id = r * cols + c + 1;
        if (c + 1 < cols) {
          links.add(Link.between(Attachment.of(id, 1), Attachment.of(id + 1, 2)));
        }
        if (r + 1 < rows) {
          links.add(Link.between(Attachment.of(id, 3), Attachment.of(id + cols, 4)));
        }
      }
    }
    return links;
  }

  private static List<Link> random(Random rnd) {
    int[] nextPort = new int[N + 1];
    List<Link> links = new ArrayList<>();
    for (int i = 1; i <= N; i++) {
      int j = i % N + 1;
      links.add(Link.between(Attachment.of(i, ++nextPort[i]), Attachment.of(j, ++nextPort[j])));
    }
    for (int k = 0; k < N; k++) {
      int i = rnd.nextInt(N) + 1;
      int j = rnd.nextInt(N) + 1;
      if (i != j) {
        links.add(Link.between(Attachment.of(i, ++nextPort[i]), Attachment.of(j, ++nextPort[j])));
      }
    }
    return links;
  }

  @Benchmark
  public Object baselineHashMapGet() {
    return baseline.get(baselineKey);
  }

  /** Dijkstra from scratch between the two far switches: what a topology change costs per pair. */
  @Benchmark
  public Optional<Route> shortestPathUncached() {
    return engine.route(finder.graph(), src, dst);
  }

  /** The switch-level route from the cache. */
  @Benchmark
  public Optional<Route> routeFromCache() {
    return finder.route(src, dst);
  }

  /** What forwarding calls: the cached route turned into per-switch hops between two hosts. */
  @Benchmark
  public Optional<Path> pathFromCache() {
    return finder.path(srcHost, dstHost);
  }
}
