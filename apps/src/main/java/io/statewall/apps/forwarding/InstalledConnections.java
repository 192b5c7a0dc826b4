package io.statewall.apps.forwarding;

import io.statewall.topology.Link;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.U64;

/**
 * The connections with entries in the switches, by cookie and by the links their paths cross, so
 * a failed link finds the connections to move. A connection is forgotten when its last entry
 * reports FLOW_REMOVED (timeouts) or when it is removed on purpose. Thread-safe.
 */
public final class InstalledConnections {

  private record Tracked(InstalledConnection connection, int liveEntries) {}

  private final Map<U64, Tracked> byCookie = new HashMap<>();
  private final Map<Link, Set<U64>> byLink = new HashMap<>();

  /** Records (or replaces) a connection whose entries were just written. */
  public synchronized void record(InstalledConnection c) {
    forget(c.cookie());
    byCookie.put(c.cookie(), new Tracked(c, c.entryCount()));
    for (Link l : c.path().links()) {
      byLink.computeIfAbsent(l, k -> new HashSet<>()).add(c.cookie());
    }
  }

  public synchronized Optional<InstalledConnection> get(U64 cookie) {
    Tracked t = byCookie.get(cookie);
    return t == null ? Optional.empty() : Optional.of(t.connection());
  }

  public synchronized List<InstalledConnection> using(Link link) {
    List<InstalledConnection> out = new ArrayList<>();
    for (U64 c : byLink.getOrDefault(link, Set.of())) {
      out.add(byCookie.get(c).connection());
    }
    return out;
  }

  public synchronized List<InstalledConnection> involving(MacAddress mac) {
    List<InstalledConnection> out = new ArrayList<>();
    for (Tracked t : byCookie.values()) {
      ExactMatch m = t.connection().original();
      if (m.ethSrc().equals(mac) || m.ethDst().equals(mac)) {
        out.add(t.connection());
      }
    }
    return out;
  }

  /** One entry of {@code cookie} timed out in some switch; the last one forgets the connection. */
  public synchronized void entryExpired(U64 cookie) {
    Tracked t = byCookie.get(cookie);
    if (t == null) {
      return;
    }
    if (t.liveEntries() <= 1) {
      forget(cookie);
    } else {
      byCookie.put(cookie, new Tracked(t.connection(), t.liveEntries() - 1));
    }
  }

  public synchronized void forget(U64 cookie) {
    Tracked t = byCookie.remove(cookie);
    if (t == null) {
      return;
    }
    for (Link l : t.connection().path().links()) {
      Set<U64> s = byLink.get(l);
      if (s != null && s.remove(cookie) && s.isEmpty()) {
        byLink.remove(l);
      }
    }
  }

  /** Every connection with entries now (a copy). */
  public synchronized List<InstalledConnection> all() {
    List<InstalledConnection> out = new ArrayList<>(byCookie.size());
    for (Tracked t : byCookie.values()) {
      out.add(t.connection());
    }
    return out;
  }

  public synchronized int size() {
    return byCookie.size();
  }
}
