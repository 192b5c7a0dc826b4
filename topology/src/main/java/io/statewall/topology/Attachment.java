package io.statewall.topology;

import java.util.Comparator;
import java.util.Objects;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;

/** A point in the network: one port of one switch (where a host attaches, or a link ends). */
public record Attachment(DatapathId sw, OFPort port) implements Comparable<Attachment> {

  private static final Comparator<Attachment> ORDER =
      Comparator.comparing(Attachment::sw).thenComparingInt(a -> a.port().getPortNumber());

  public Attachment {
    Objects.requireNonNull(sw, "sw");
    Objects.requireNonNull(port, "port");
  }

  public static Attachment of(long dpid, int port) {
    return new Attachment(DatapathId.of(dpid), OFPort.of(port));
  }

  @Override
  public int compareTo(Attachment o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return sw + "/" + port.getPortNumber();
  }
}
