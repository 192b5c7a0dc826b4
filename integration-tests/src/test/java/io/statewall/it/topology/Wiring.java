package io.statewall.it.topology;

import io.statewall.mininet.Topology;
import io.statewall.topology.Attachment;
import io.statewall.topology.Link;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cabling Mininet builds for a {@link Topology}, worked out independently of the controller:
 * the tests compare what the controller discovered and installed against it.
 *
 * <p>Mininet numbers a node's ports in the order its links are added (switches from 1, hosts from
 * 0), and the harness adds them in {@link Topology.Spec#links()} order; switch sN has dpid N.
 */
record Wiring(Map<Attachment, String> hostAt, Map<String, Attachment> hostPort,
    Map<Attachment, Attachment> peer, Set<Link> links, List<String> switches) {

  static Wiring of(Topology topology) {
    Topology.Spec spec = topology.spec();
    Map<String, Integer> nextPort = new HashMap<>();
    Map<Attachment, String> hostAt = new LinkedHashMap<>();
    Map<String, Attachment> hostPort = new LinkedHashMap<>();
    Map<Attachment, Attachment> peer = new HashMap<>();
    Set<Link> links = new HashSet<>();
    for (Topology.Link l : spec.links()) {
      int pa = nextPort.merge(l.a(), 1, Integer::sum) - (isSwitch(l.a()) ? 0 : 1);
      int pb = nextPort.merge(l.b(), 1, Integer::sum) - (isSwitch(l.b()) ? 0 : 1);
      if (isSwitch(l.a()) && isSwitch(l.b())) {
        Attachment a = Attachment.of(number(l.a()), pa);
        Attachment b = Attachment.of(number(l.b()), pb);
        peer.put(a, b);
        peer.put(b, a);
        links.add(Link.between(a, b));
      } else {
        String host = isSwitch(l.a()) ? l.b() : l.a();
        Attachment at = isSwitch(l.a()) ? Attachment.of(number(l.a()), pa)
            : Attachment.of(number(l.b()), pb);
        hostAt.put(at, host);
        hostPort.put(host, at);
      }
    }
    return new Wiring(Map.copyOf(hostAt), Map.copyOf(hostPort), Map.copyOf(peer), Set.copyOf(links),
        spec.switches());
  }

  Attachment attachment(String host) {
    Attachment at = hostPort.get(host);
    if (at == null) {
      throw new IllegalArgumentException("no host " + host + " in " + hostPort.keySet());
    }
    return at;
  }

  /** What is cabled to {@code port}: another switch's port, or empty for a host port. */
  Optional<Attachment> peerOf(Attachment port) {
    return Optional.ofNullable(peer.get(port));
  }

  /** Switch hops between two switches along the shortest cabling (breadth first). */
  int distance(long fromDpid, long toDpid) {
    Map<Long, Integer> dist = new HashMap<>();
    ArrayDeque<Long> queue = new ArrayDeque<>();
    dist.put(fromDpid, 0);
    queue.add(fromDpid);
    while (!queue.isEmpty()) {
      long sw = queue.poll();
      for (Link l : links) {
        List<Attachment> ends = List.of(l.a(), l.b());
        for (int i = 0; i < 2; i++) {
          if (ends.get(i).sw().getLong() == sw) {
            long next = ends.get(1 - i).sw().getLong();
            if (!dist.containsKey(next)) {
              dist.put(next, dist.get(sw) + 1);
              queue.add(next);
            }
          }
        }
      }
    }
    Integer d = dist.get(toDpid);
    if (d == null) {
      throw new IllegalArgumentException("s" + toDpid + " unreachable from s" + fromDpid);
    }
    return d;
  }

  List<String> hosts() {
    List<String> names = new ArrayList<>(hostPort.keySet());
    names.sort((x, y) -> Integer.compare(number(x), number(y)));
    return names;
  }

  static String switchName(long dpid) {
    return "s" + dpid;
  }

  private static boolean isSwitch(String node) {
    return node.startsWith("s");
  }

  private static int number(String node) {
    return Integer.parseInt(node.substring(1));
  }
}
