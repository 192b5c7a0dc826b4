package io.statewall.mininet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The shape of a network. Hosts are named h1, h2, ... and switches s1, s2, ... (a switch's datapath
 * id is its number); hosts get 10.0.0.N and MAC 00:00:00:00:00:NN in name order, as Mininet does.
 */
public sealed interface Topology {

  /** The nodes and links Mininet builds. */
  Spec spec();

  /** One switch s1 with hosts h1..hN. */
  static Topology single(int hosts) {
    return new Single(hosts);
  }

  /** Switches s1..sK in a chain, host hI on switch sI. */
  static Topology linear(int switches) {
    return new Linear(switches);
  }

  /** A tree of switches of the given depth and fanout; hosts hang off the leaves (Mininet's TreeTopo). */
  static Topology tree(int depth, int fanout) {
    return new Tree(depth, fanout);
  }

  /** Switches s1..sK in a ring (s1-s2, ..., sK-s1), host hI on switch sI. Has a loop. */
  static Topology ring(int switches) {
    return new Ring(switches);
  }

  /** Explicit links written "a-b" (e.g. "h1-s1", "s1-s2"); names starting with h are hosts, s switches. */
  static Topology links(String... links) {
    return new Custom(Arrays.stream(links).map(Link::parse).toList());
  }

  /** An undirected link between two nodes. */
  record Link(String a, String b) {
    private static final Pattern NODE = Pattern.compile("[hs][1-9][0-9]{0,3}");

    public Link {
      for (String n : List.of(a, b)) {
        if (!NODE.matcher(n).matches()) {
          throw new IllegalArgumentException(
              "node names are h<number> (hosts) or s<number> (switches), not '" + n + "'");
        }
      }
      if (a.equals(b)) {
        throw new IllegalArgumentException("a link needs two different nodes, not " + a + "-" + b);
      }
    }

    static Link parse(String text) {
      String[] parts = text.trim().split("-");
      if (parts.length != 2) {
        throw new IllegalArgumentException("a link is written a-b (e.g. h1-s1), not '" + text + "'");
      }
      return new Link(parts[0], parts[1]);
    }

    boolean isSwitchToSwitch() {
      return a.startsWith("s") && b.startsWith("s");
    }
  }

  /** Hosts, switches and links in the order Mininet adds them. */
  record Spec(List<String> hosts, List<String> switches, List<Link> links) {
    public Spec {
      hosts = List.copyOf(hosts);
      switches = List.copyOf(switches);
      links = List.copyOf(links);
    }

    /** True when the switches form a loop, which needs a spanning tree in standalone mode. */
    public boolean hasLoop() {
      Map<String, String> parent = new HashMap<>();
      switches.forEach(s -> parent.put(s, s));
      for (Link l : links) {
        if (!l.isSwitchToSwitch()) {
          continue;
        }
        String ra = root(parent, l.a());
        String rb = root(parent, l.b());
        if (ra.equals(rb)) {
          return true;
        }
        parent.put(ra, rb);
      }
      return false;
    }

    private static String root(Map<String, String> parent, String node) {
      String n = node;
      while (!parent.get(n).equals(n)) {
        n = parent.get(n);
      }
      return n;
    }
  }

  /** See {@link Topology#single(int)}. */
  record Single(int hosts) implements Topology {
    public Single {
      positive("hosts", hosts);
    }

    @Override
    public Spec spec() {
      List<String> hs = names("h", hosts);
      return new Spec(hs, List.of("s1"), hs.stream().map(h -> new Link(h, "s1")).toList());
    }
  }

  /** See {@link Topology#linear(int)}. */
  record Linear(int switches) implements Topology {
    public Linear {
      positive("switches", switches);
    }

    @Override
    public Spec spec() {
      List<Link> links = new ArrayList<>();
      for (int i = 1; i <= switches; i++) {
        links.add(new Link("h" + i, "s" + i));
        if (i > 1) {
          links.add(new Link("s" + (i - 1), "s" + i));
        }
      }
      return new Spec(names("h", switches), names("s", switches), links);
    }
  }

  /** See {@link Topology#ring(int)}. */
  record Ring(int switches) implements Topology {
    public Ring {
      if (switches < 3) {
        throw new IllegalArgumentException("a ring needs at least 3 switches, not " + switches);
      }
    }

    @Override
    public Spec spec() {
      List<Link> links = new ArrayList<>();
      for (int i = 1; i <= switches; i++) {
        links.add(new Link("h" + i, "s" + i));
      }
      for (int i = 1; i <= switches; i++) {
        links.add(new Link("s" + i, "s" + (i % switches + 1)));
      }
      return new Spec(names("h", switches), names("s", switches), links);
    }
  }

  /** See {@link Topology#tree(int, int)}. */
  record Tree(int depth, int fanout) implements Topology {
    public Tree {
      positive("depth", depth);
      positive("fanout", fanout);
      if (Math.pow(fanout, depth) > 256) {
        throw new IllegalArgumentException("a tree of " + (long) Math.pow(fanout, depth)
            + " hosts is too big for a test network (at most 256)");
      }
    }

    @Override
    public Spec spec() {
      List<String> hosts = new ArrayList<>();
      List<String> switches = new ArrayList<>();
      List<Link> links = new ArrayList<>();
      addTree(depth, hosts, switches, links);
      return new Spec(hosts, switches, links);
    }

    // Same numbering as Mininet's TreeTopo: depth-first, a switch before its children.
    private String addTree(int level, List<String> hosts, List<String> switches, List<Link> links) {
      if (level == 0) {
        String h = "h" + (hosts.size() + 1);
        hosts.add(h);
        return h;
      }
      String s = "s" + (switches.size() + 1);
      switches.add(s);
      for (int i = 0; i < fanout; i++) {
        String child = addTree(level - 1, hosts, switches, links);
        links.add(new Link(s, child));
      }
      return s;
    }
  }

  /** See {@link Topology#links(String...)}. */
  record Custom(List<Link> links) implements Topology {
    public Custom {
      links = List.copyOf(links);
      if (links.isEmpty()) {
        throw new IllegalArgumentException("a network needs at least one link");
      }
    }

    @Override
    public Spec spec() {
      Set<String> nodes = new LinkedHashSet<>();
      links.forEach(l -> {
        nodes.add(l.a());
        nodes.add(l.b());
      });
      Comparator<String> byNumber = Comparator.comparingInt(n -> Integer.parseInt(n.substring(1)));
      List<String> hosts = nodes.stream().filter(n -> n.startsWith("h")).sorted(byNumber).toList();
      List<String> switches = nodes.stream().filter(n -> n.startsWith("s")).sorted(byNumber).toList();
      if (switches.isEmpty()) {
        throw new IllegalArgumentException("a network needs at least one switch: " + links);
      }
      return new Spec(hosts, switches, links);
    }
  }

  private static List<String> names(String prefix, int count) {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      names.add(prefix + i);
    }
    return names;
  }

  private static void positive(String what, int value) {
    if (value < 1 || value > 254) {
      throw new IllegalArgumentException(what + " must be between 1 and 254, not " + value);
    }
  }
}
