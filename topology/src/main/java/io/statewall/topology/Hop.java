package io.statewall.topology;

import java.util.Objects;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;

/** One switch on a path: where the packet enters it and where it must leave. */
public record Hop(DatapathId sw, OFPort in, OFPort out) {

  public Hop {
    Objects.requireNonNull(sw, "sw");
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(out, "out");
  }

  public Hop reversed() {
    return new Hop(sw, out, in);
  }

  @Override
  public String toString() {
    return sw + "[" + in.getPortNumber() + "->" + out.getPortNumber() + "]";
  }
}
