package io.statewall.apps.forwarding;

import io.statewall.apps.conntrack.CtDirection;
import java.util.EnumSet;
import java.util.Set;

/** A policy's verdict on a packet that would start (or continue) a connection. */
public sealed interface Decision {

  /**
   * Forward the packet; install flow entries for the listed directions (none: forward this packet
   * only, the next one comes back to the controller).
   */
  record Accept(Set<CtDirection> install) implements Decision {
    public Accept {
      install = install.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(install));
    }
  }

  /** Drop the packet. */
  record Drop() implements Decision {}

  Decision ACCEPT_BOTH_WAYS = new Accept(EnumSet.allOf(CtDirection.class));
  Decision DROP = new Drop();
}
