package io.statewall.firewall.forwarding;

import io.statewall.netfilter.conntrack.CtDirection;
import java.util.EnumSet;
import java.util.Set;

/**
 * A policy's verdict on a packet that would start (or continue) a connection, as the executor
 * ({@link ConnectionForwarder}) carries it out: everything it writes to switches is here.
 */
public sealed interface Decision {

  /**
   * Forward the packet; install flow entries for the listed directions (none: forward this packet
   * only, the next one comes back to the controller), through {@code guard}, which writes them only
   * if the verdict still holds by then; with {@code trapTeardown}, the FIN/SYN/RST traps of each
   * installed direction go in the same batch.
   */
  record Accept(Set<CtDirection> install, OffloadGuard guard, FlowKey key, boolean trapTeardown)
      implements Decision {
    public Accept {
      install = CtDirection.setOf(install);
    }

    /** Entries written whenever forwarding gets to them, with no key yet (forwarding makes it from the packet). */
    public Accept(Set<CtDirection> install) {
      this(install, OffloadGuard.ALWAYS, null, false);
    }

    public Accept(Set<CtDirection> install, OffloadGuard guard) {
      this(install, guard, null, false);
    }
  }

  /**
   * Drop the packet; with {@code dropEntrySeconds > 0}, also install an exact drop entry at the
   * ingress switch for that long, so an attacker's retries stop reaching the controller; with a
   * {@code reject} frame (REJECT's answer), send it back out of the ingress port.
   */
  record Drop(int dropEntrySeconds, byte[] reject) implements Decision {
    public Drop {
      if (dropEntrySeconds < 0 || dropEntrySeconds > 0xFFFF) {
        throw new IllegalArgumentException("drop entry lifetime 0..65535 s: " + dropEntrySeconds);
      }
    }

    public Drop(int dropEntrySeconds) {
      this(dropEntrySeconds, null);
    }
  }

  Decision ACCEPT_BOTH_WAYS = new Accept(EnumSet.allOf(CtDirection.class));
  Decision DROP = new Drop(0);
}
