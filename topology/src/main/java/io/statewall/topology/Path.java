package io.statewall.topology;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A route between two attachments: the switches in order with their in and out ports, and the
 * links it crosses (empty when both ends are on one switch).
 */
public record Path(Attachment src, Attachment dst, List<Hop> hops, List<Link> links) {

  public Path {
    Objects.requireNonNull(src, "src");
    Objects.requireNonNull(dst, "dst");
    hops = List.copyOf(hops);
    links = List.copyOf(links);
    if (hops.isEmpty()) {
      throw new IllegalArgumentException("a path has at least one hop");
    }
  }

  /** The same links walked the other way: from {@code dst} to {@code src}. */
  public Path reversed() {
    List<Hop> back = new ArrayList<>(hops.size());
    for (int i = hops.size() - 1; i >= 0; i--) {
      back.add(hops.get(i).reversed());
    }
    List<Link> backLinks = new ArrayList<>(links);
    Collections.reverse(backLinks);
    return new Path(dst, src, back, backLinks);
  }

  public boolean uses(Link link) {
    return links.contains(link);
  }
}
