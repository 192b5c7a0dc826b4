package io.statewall.firewall.forwarding;

import com.google.common.collect.Interner;
import com.google.common.collect.Interners;
import io.statewall.topology.Attachment;
import io.statewall.topology.Link;
import io.statewall.topology.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.U64;

/**
 * The connections with entries in the switches, by cookie. A connection is forgotten when its last
 * entry reports FLOW_REMOVED (timeouts) or when it is removed on purpose. Thread-safe.
 *
 * <p>Sized for a million connections: paths, MAC and IP addresses are shared between the
 * connections that have equal ones (thousands of connections cross one path between two hosts),
 * and there is no index by link: a failed link walks all connections, which is rare and costs
 * milliseconds, where the index cost every connection a hash node per link for ever.
 */
public final class InstalledConnections {

  private record Tracked(InstalledConnection connection, int liveEntries) {}

  private final Map<U64, Tracked> byCookie = new HashMap<>();
  /** Weak, so a path or address no connection uses any more goes with the garbage. */
  private final Interner<Object> shared = Interners.newWeakInterner();

  /** Records (or replaces) a connection whose entries were just written. */
  public synchronized void record(InstalledConnection c) {
    InstalledConnection compact = compact(c);
    byCookie.put(compact.cookie(), new Tracked(compact, compact.entryCount()));
  }

  /** {@code c} with shared instances of its path, attachments and the match's addresses. */
  private InstalledConnection compact(InstalledConnection c) {
    Path path = (Path) shared.intern(c.path());
    ExactMatch m = c.original();
    ExactMatch match = new ExactMatch(m.ethType(), (MacAddress) shared.intern(m.ethSrc()),
        (MacAddress) shared.intern(m.ethDst()), m.vlan(), (IPAddress<?>) shared.intern(m.src()),
        (IPAddress<?>) shared.intern(m.dst()), m.ipProto(), m.srcPort(), m.dstPort(), m.icmpType(),
        m.icmpCode());
    Attachment src = c.src().equals(path.src()) ? path.src() : c.src();
    Attachment dst = c.dst().equals(path.dst()) ? path.dst() : c.dst();
    return new InstalledConnection(c.cookie(), match, src, dst, c.directions(), path);
  }

  public synchronized Optional<InstalledConnection> get(U64 cookie) {
    Tracked t = byCookie.get(cookie);
    return t == null ? Optional.empty() : Optional.of(t.connection());
  }

  public synchronized List<InstalledConnection> using(Link link) {
    List<InstalledConnection> out = new ArrayList<>();
    for (Tracked t : byCookie.values()) {
      if (t.connection().path().uses(link)) {
        out.add(t.connection());
      }
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
    byCookie.remove(cookie);
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
