package io.statewall.firewall.forwarding;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.topology.Attachment;
import io.statewall.topology.Path;
import java.util.Set;
import org.projectfloodlight.openflow.types.U64;

/**
 * A connection whose entries are in the switches: what they match, between which attachments,
 * in which directions, along which path (the original direction's; replies use it reversed).
 */
public record InstalledConnection(U64 cookie, ExactMatch original, Attachment src, Attachment dst,
    Set<CtDirection> directions, Path path) {

  private static final Set<CtDirection> ORIGINAL = Set.of(CtDirection.ORIGINAL);
  private static final Set<CtDirection> REPLY = Set.of(CtDirection.REPLY);
  private static final Set<CtDirection> BOTH = Set.of(CtDirection.ORIGINAL, CtDirection.REPLY);

  public InstalledConnection {
    // one of three shared sets: a copy per connection was 24 bytes of a million connections each
    boolean o = directions.contains(CtDirection.ORIGINAL);
    boolean r = directions.contains(CtDirection.REPLY);
    directions = o && r ? BOTH : o ? ORIGINAL : r ? REPLY : Set.of();
  }

  /** Flow entries this connection has in the switches. */
  public int entryCount() {
    int n = 0;
    if (directions.contains(CtDirection.ORIGINAL)) {
      n += path.hops().size();
    }
    if (directions.contains(CtDirection.REPLY) && original.reverse().isPresent()) {
      n += path.hops().size();
    }
    return n;
  }
}
