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
  private final ConcurrentMap<Long, CtEntry> byCookie = new ConcurrentHashMap<>();
  private final ConcurrentMap<CtEntry, Long> byEntry = new ConcurrentHashMap<>();

  /** Records that {@code entry}'s packets like {@code p} are (about to be) offloaded. */
  void record(Packet p, CtEntry entry, CtDirection direction) {
    ExactMatch.of(p).ifPresent(m -> {
      long cookie = ConnectionCookie.of(m).getValue();
      byCookie.put(cookie, entry);
      byEntry.put(entry, cookie);
    });
  }

  /** Records an adopted connection, whose entries already carry {@code cookie}. */
  void adopt(U64 cookie, CtEntry entry) {
    byCookie.put(cookie.getValue(), entry);
    byEntry.put(entry, cookie.getValue());
  }

  public Optional<CtEntry> entry(U64 cookie) {
    return Optional.ofNullable(byCookie.get(cookie.getValue()));
  }

  public Optional<U64> cookie(CtEntry entry) {
    Long c = byEntry.get(entry);
    return c == null ? Optional.empty() : Optional.of(U64.of(c));
  }

  /** Forgets {@code entry}; returns the cookie its entries carried, if it had any. */
  public Optional<U64> forget(CtEntry entry) {
    Long c = byEntry.remove(entry);
    if (c == null) {
      return Optional.empty();
    }
    byCookie.remove(c, entry);
    return Optional.of(U64.of(c));
  }

  public Collection<CtEntry> entries() {
    return List.copyOf(byEntry.keySet());
  }

  public int size() {
    return byEntry.size();
  }
}
