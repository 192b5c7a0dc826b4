package io.statewall.apps.firewall;

import io.statewall.apps.conntrack.CtDirection;
import io.statewall.apps.conntrack.CtEntry;
import io.statewall.apps.forwarding.ConnectionCookie;
import io.statewall.apps.forwarding.ExactMatch;
import io.statewall.apps.packet.Packet;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.projectfloodlight.openflow.types.U64;

/**
 * The tracked connections that have flow entries in the switches, by the cookie their entries
 * carry: FLOW_REMOVED and flow statistics find their connection here, and a connection that
 * conntrack removes takes its entries with it. Holds no more than conntrack does.
 */
public final class OffloadIndex {
  /** By cookie; the way back is the cookie the entry carries as its offload tag. */
  private final ConcurrentMap<Long, CtEntry> byCookie = new ConcurrentHashMap<>();

  /** Records that {@code entry}'s packets like {@code p} are (about to be) offloaded. */
  void record(Packet p, CtEntry entry, CtDirection direction) {
    ExactMatch.of(p).ifPresent(m -> record(entry, ConnectionCookie.of(m)));
  }

  /** Records that {@code entry}'s switch entries carry {@code cookie}. */
  public void record(CtEntry entry, U64 cookie) {
    long c = cookie.getValue();
    entry.offloadTag(c);
    byCookie.put(c, entry);
  }

  public Optional<CtEntry> entry(U64 cookie) {
    return Optional.ofNullable(byCookie.get(cookie.getValue()));
  }

  public Optional<U64> cookie(CtEntry entry) {
    long c = entry.offloadTag();
    return c == 0 || byCookie.get(c) != entry ? Optional.empty() : Optional.of(U64.of(c));
  }

  /** Forgets {@code entry}; returns the cookie its entries carried, if it had any. */
  public Optional<U64> forget(CtEntry entry) {
    long c = entry.offloadTag();
    if (c == 0 || !byCookie.remove(c, entry)) {
      return Optional.empty();
    }
    entry.offloadTag(0);
    return Optional.of(U64.of(c));
  }

  public Collection<CtEntry> entries() {
    return List.copyOf(byCookie.values());
  }

  public int size() {
    return byCookie.size();
  }
}
