package io.statewall.mininet;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Who reached whom in a ping-all: one row per source host, one column per destination. */
public record PingMatrix(List<String> hosts, Set<Pair> reached) {

  /** A source and destination host. */
  public record Pair(String from, String to) {
    @Override
    public String toString() {
      return from + "->" + to;
    }
  }

  public PingMatrix {
    hosts = List.copyOf(hosts);
    reached = Set.copyOf(reached);
  }

  public boolean reached(String from, String to) {
    return reached.contains(new Pair(from, to));
  }

  /** Every ordered pair of different hosts got an answer. */
  public boolean allReachable() {
    return unreached().isEmpty();
  }

  /** The ordered pairs of different hosts that got no answer. */
  public List<Pair> unreached() {
    List<Pair> missing = new ArrayList<>();
    for (String from : hosts) {
      for (String to : hosts) {
        if (!from.equals(to) && !reached(from, to)) {
          missing.add(new Pair(from, to));
        }
      }
    }
    return missing;
  }

  /** A grid like Mininet's pingall output: X where no answer came. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (String from : hosts) {
      sb.append(from).append(" ->");
      for (String to : hosts) {
        if (!from.equals(to)) {
          sb.append(' ').append(reached(from, to) ? to : "X");
        }
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
