package io.statewall.firewall;

import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.netfilter.packet.Packet;
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
  /** By cookie; the way back is the {@link OffloadState} hung on the entry. */
  private final ConcurrentMap<Long, CtEntry> byCookie = new ConcurrentHashMap<>();

  /** Records that {@code entry}'s packets like {@code p} are (about to be) offloaded. */
  void record(Packet p, CtEntry entry) {
    ExactMatch.of(p).ifPresent(m -> record(entry, ConnectionCookie.of(m)));
  }

  /** Records that {@code entry}'s switch entries carry {@code cookie}. */
  public void record(CtEntry entry, U64 cookie) {
    long c = cookie.getValue();
    entry.offload(new OffloadState(c));
    byCookie.put(c, entry);
  }

  public Optional<CtEntry> entry(U64 cookie) {
    return Optional.ofNullable(byCookie.get(cookie.getValue()));
  }

  public Optional<U64> cookie(CtEntry entry) {
    OffloadState s = state(entry);
    return s == null || byCookie.get(s.cookie) != entry ? Optional.empty() : Optional.of(U64.of(s.cookie));
  }

  /** Forgets {@code entry}; returns the cookie its entries carried, if it had any. */
  public Optional<U64> forget(CtEntry entry) {
    OffloadState s = state(entry);
    if (s == null || !byCookie.remove(s.cookie, entry)) {
      return Optional.empty();
    }
    entry.offload(null);
    return Optional.of(U64.of(s.cookie));
  }

  /** The firewall's state of offloaded {@code entry}, or null. */
  static OffloadState state(CtEntry entry) {
    return entry.offload() instanceof OffloadState s ? s : null;
  }

  public Collection<CtEntry> entries() {
    return List.copyOf(byCookie.values());
  }

  public int size() {
    return byCookie.size();
  }
}
