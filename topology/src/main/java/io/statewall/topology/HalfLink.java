package io.statewall.topology;

import java.util.Objects;

/**
 * One direction of a link: probes sent out of {@code from} were seen arriving at {@code to}. A link is
 * up when both directions are seen, by this controller or, in a cluster, by the masters of its two ends.
 */
public record HalfLink(Attachment from, Attachment to) implements Comparable<HalfLink> {

  public HalfLink {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (from.sw().equals(to.sw())) {
      throw new IllegalArgumentException("a half-link joins two switches, not " + from + " to " + to);
    }
  }

  public HalfLink reversed() {
    return new HalfLink(to, from);
  }

  @Override
  public int compareTo(HalfLink o) {
    int c = from.compareTo(o.from);
    return c != 0 ? c : to.compareTo(o.to);
  }

  @Override
  public String toString() {
    return from + "->" + to;
  }
}
