package io.statewall.topology;

import java.util.Objects;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * A bidirectional switch-to-switch link, seen by LLDP in both directions.
 *
 * <p>Canonical: {@code a} is always the smaller end, so the same cable is one equal value
 * whichever direction it was learned from.
 */
public record Link(Attachment a, Attachment b) {

  public Link {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    if (a.compareTo(b) > 0) {
      Attachment t = a;
      a = b;
      b = t;
    }
  }

  public static Link between(Attachment x, Attachment y) {
    return new Link(x, y);
  }

  public boolean touches(DatapathId sw) {
    return a.sw().equals(sw) || b.sw().equals(sw);
  }

  public boolean touches(Attachment end) {
    return a.equals(end) || b.equals(end);
  }

  /** The end of this link on {@code sw}; for a link whose both ends are on sw, the smaller one. */
  public Attachment endOn(DatapathId sw) {
    if (a.sw().equals(sw)) {
      return a;
    }
    if (b.sw().equals(sw)) {
      return b;
    }
    throw new IllegalArgumentException(sw + " is not an end of " + this);
  }

  /** The end opposite {@code end}. */
  public Attachment opposite(Attachment end) {
    if (a.equals(end)) {
      return b;
    }
    if (b.equals(end)) {
      return a;
    }
    throw new IllegalArgumentException(end + " is not an end of " + this);
  }

  @Override
  public String toString() {
    return a + "<->" + b;
  }
}
