package io.statewall.netfilter.conntrack;

import java.util.Collection;
import java.util.Set;

/** Which way a packet travels on its connection: as the first packet did, or back. */
public enum CtDirection {
  ORIGINAL,
  REPLY;

  private static final Set<CtDirection> NEITHER = Set.of();
  private static final Set<CtDirection> ORIGINAL_ONLY = Set.of(ORIGINAL);
  private static final Set<CtDirection> REPLY_ONLY = Set.of(REPLY);
  private static final Set<CtDirection> BOTH = Set.of(ORIGINAL, REPLY);

  /**
   * An immutable copy of {@code directions}: one of the four sets there are, shared. Every decision
   * carries one, and {@code Set.copyOf} of anything but an immutable set builds a {@code HashSet}
   * to copy it (about 3 % of what a whole connection allocated, session 13).
   */
  public static Set<CtDirection> setOf(Collection<CtDirection> directions) {
    boolean original = directions.contains(ORIGINAL);
    boolean reply = directions.contains(REPLY);
    return original ? (reply ? BOTH : ORIGINAL_ONLY) : (reply ? REPLY_ONLY : NEITHER);
  }
}
