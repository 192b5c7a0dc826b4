package io.statewall.firewall.forwarding;

import com.google.common.collect.Interner;
import com.google.common.collect.Interners;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.topology.Attachment;
import io.statewall.topology.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.U64;

/**
 * The offloaded connections, one {@link Offload} per cookie: FLOW_REMOVED and flow statistics find
 * their connection here, reroutes and reconciliation their path and matches, and a connection
 * conntrack lets go takes its entries with it. A record lives while it has a conntrack entry or
 * entries in the switches. Thread-safe; a record changes under its map bin's lock only.
 *
 * <p>Sized for a million connections: paths, MAC and IP addresses are shared between the
 * connections that have equal ones (thousands of connections cross one path between two hosts),
 * and there is no index by link: a failed link walks all records, asking each distinct path once
 * ({@link #forEachInstalledOn}), where an index cost every connection a hash node per link for ever.
 */
public final class OffloadTable {
  /** By the cookie's 64 bits: no boxed key and no hash node per connection (56 bytes of each). */
  private final CookieMap<Offload> byCookie = new CookieMap<>();
  /** Weak, so a path or address no connection uses any more goes with the garbage. */
  private final Interner<Object> shared = Interners.newWeakInterner();
  /** Records with a conntrack entry: read by every statistics round and the metrics. */
  private final AtomicInteger tracked = new AtomicInteger();
  private final InstalledConnections installed = new InstalledConnections(this);
  /** Null unless cluster replication listens. */
  private volatile OffloadListener listener;

  /**
   * Told when a tracked connection's switch entries get their cookie (cluster replication sends it to
   * the other members, so that an heir's reconciler keeps those entries). Called after the record is
   * made, outside the table's locks; it must not block.
   */
  @FunctionalInterface
  public interface OffloadListener {
    void offloaded(CtEntry entry, long cookie);
  }

  /** Sets the one offload listener (null: none, the default). */
  public void setListener(OffloadListener listener) {
    this.listener = listener;
  }

  // --- the conntrack side: which tracked connection a cookie names ---

  /** Records that {@code entry}'s switch entries carry {@code cookie}; the counters start over. */
  public void record(CtEntry entry, U64 cookie) {
    Offload o = byCookie.compute(cookie.getValue(), (k, old) -> {
      Offload r = old != null ? old : new Offload(k);
      CtEntry before = r.entry();
      if (before == null) {
        tracked.incrementAndGet();
      } else if (before != entry && before.offload() == r) {
        before.offload(null); // a new connection on the same tuple: the old one's link goes
      }
      r.entry(entry);
      r.resetCounters();
      return r;
    });
    entry.offload(o);
    OffloadListener l = listener;
    if (l != null) {
      l.offloaded(entry, cookie.getValue());
    }
  }

  public Optional<CtEntry> entry(U64 cookie) {
    Offload o = byCookie.get(cookie.getValue());
    return o == null ? Optional.empty() : Optional.ofNullable(o.entry());
  }

  /** The record of {@code cookie}, or null. */
  public Offload get(U64 cookie) {
    return byCookie.get(cookie.getValue());
  }

  public Optional<U64> cookie(CtEntry entry) {
    Offload o = of(entry);
    return o == null || byCookie.get(o.cookieValue()) != o ? Optional.empty() : Optional.of(o.cookie());
  }

  /**
   * Forgets {@code entry} and its record: returns the cookie its entries carried, if it had any,
   * for the caller to delete them from the switches.
   */
  public Optional<U64> forget(CtEntry entry) {
    Offload o = of(entry);
    if (o == null) {
      return Optional.empty();
    }
    boolean[] removed = {false};
    byCookie.computeIfPresent(o.cookieValue(), (k, r) -> {
      if (r != o || r.entry() != entry) {
        return r;
      }
      removed[0] = true;
      tracked.decrementAndGet();
      r.installed(null);
      r.entry(null);
      return null;
    });
    if (!removed[0]) {
      return Optional.empty();
    }
    entry.offload(null);
    return Optional.of(o.cookie());
  }

  /** The record hung on {@code entry}, or null. */
  static Offload of(CtEntry entry) {
    return entry.offload() instanceof Offload o ? o : null;
  }

  /** The tracked connections with a record (a copy). */
  public Collection<CtEntry> entries() {
    List<CtEntry> out = new ArrayList<>(tracked.get());
    byCookie.forEachValue(o -> {
      CtEntry e = o.entry();
      if (e != null) {
        out.add(e);
      }
    });
    return out;
  }

  /** Tracked connections with a record. */
  public int size() {
    return tracked.get();
  }

  // --- the switch side: where a connection's entries are ---

  /** The same records seen by where their entries are (reroutes, reconciliation, diagnostics). */
  public InstalledConnections installed() {
    return installed;
  }

  /** Records (or replaces) where {@code c}'s entries are, just written. */
  void install(InstalledConnection c) {
    byCookie.compute(c.cookie().getValue(), (k, old) -> {
      Offload r = old != null ? old : new Offload(k);
      InstalledConnection compact = compact(c, r.entry());
      r.installed(compact);
      r.liveEntries = compact.entryCount();
      return r;
    });
  }

  /** One entry of {@code cookie} timed out in some switch; the last one clears where they were. */
  void entryExpired(U64 cookie) {
    byCookie.computeIfPresent(cookie.getValue(), (k, r) -> {
      if (!r.isInstalled()) {
        return r;
      }
      if (--r.liveEntries > 0) {
        return r;
      }
      return uninstalled(r);
    });
  }

  /** {@code cookie}'s entries were removed on purpose (no path left). */
  void uninstall(U64 cookie) {
    byCookie.computeIfPresent(cookie.getValue(), (k, r) -> uninstalled(r));
  }

  private static Offload uninstalled(Offload r) {
    r.installed(null);
    r.liveEntries = 0;
    return r.entry() == null ? null : r;
  }

  void forEachInstalled(Consumer<InstalledConnection> action) {
    byCookie.forEachValue(o -> {
      InstalledConnection c = o.installed();
      if (c != null) {
        action.accept(c);
      }
    });
  }

  /**
   * The records whose path {@code onPath} accepts, built as {@link InstalledConnection}s only then:
   * paths are shared (see {@link #compact}), so each distinct path is asked once, and a link that
   * fails under a million connections no longer builds a million of them to keep a few (it held
   * every new connection's install back for about 70 ms a link when a switch left).
   */
  void forEachInstalledOn(Predicate<Path> onPath, Consumer<InstalledConnection> action) {
    Map<Path, Boolean> asked = new IdentityHashMap<>();
    byCookie.forEachValue(o -> {
      Path p = o.path();
      if (p != null && asked.computeIfAbsent(p, onPath::test)) {
        InstalledConnection c = o.installed();
        if (c != null && onPath.test(c.path())) { // a reroute may have moved it since
          action.accept(c);
        }
      }
    });
  }

  /**
   * {@code c} with shared instances of its path, attachments and addresses (the record keeps its
   * cookie). The IP addresses only without conntrack: a tracked connection's record nearly always
   * keeps nothing of them (the entry gives them back; {@link Offload} decides), so interning them
   * was two lookups per install for the rare record that keeps its match whole.
   */
  private InstalledConnection compact(InstalledConnection c, CtEntry entry) {
    Path path = (Path) shared.intern(c.path());
    ExactMatch m = c.original();
    boolean tracked = entry != null;
    ExactMatch match = new ExactMatch(m.ethType(), (MacAddress) shared.intern(m.ethSrc()),
        (MacAddress) shared.intern(m.ethDst()), m.vlan(),
        tracked ? m.src() : (IPAddress<?>) shared.intern(m.src()),
        tracked ? m.dst() : (IPAddress<?>) shared.intern(m.dst()), m.ipProto(), m.srcPort(),
        m.dstPort(), m.icmpType(), m.icmpCode());
    Attachment src = c.src().equals(path.src()) ? path.src() : c.src();
    Attachment dst = c.dst().equals(path.dst()) ? path.dst() : c.dst();
    return new InstalledConnection(c.cookie(), match, src, dst, c.directions(), path);
  }
}
