package io.statewall.topology.paths;

import io.statewall.topology.Link;
import java.util.List;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * A switch-level route: {@code switches.get(i)} and {@code switches.get(i + 1)} are joined by
 * {@code links.get(i)}. A route from a switch to itself has one switch and no link.
 */
public record Route(List<DatapathId> switches, List<Link> links, long cost) {

  public Route {
    switches = List.copyOf(switches);
    links = List.copyOf(links);
    if (switches.size() != links.size() + 1) {
      throw new IllegalArgumentException("a route has one more switch than links");
    }
  }
}
