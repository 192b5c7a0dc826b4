package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Packet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pending expectations, keyed by their masked tuple, bounded; one lock (expectations are rare
 * next to packets, and a volatile count lets the packet path skip the lock when there are none).
 *
 * <p>Lock order: a table shard's lock may be held when calling in here, never the reverse.
 */
final class ExpectationTable {

  private final int max;
  private final Map<Expectation.ExpectKey, Expectation> byKey = new HashMap<>();
  private volatile int count;
  private long created;
  private long deleted;

  ExpectationTable(int max) {
    this.max = max;
  }

  /** The live expectation a new connection's first packet matches, or null. */
  /**
   * Removes and returns the pending expectation {@code p} fulfils, or null. As Linux's
   * nf_ct_find_expectation at a new connection's first packet: taken whether or not that packet
   * is then accepted, so a dropped first packet leaves nothing for a retry to be RELATED by.
   */
  Expectation take(Packet p, long now) {
    if (count == 0 || !(p.isTcp() || p.isUdp())) {
      return null;
    }
    Expectation.ExpectKey k = new Expectation.ExpectKey(p.src(), p.dst(), p.protocol(), p.dstPort());
    synchronized (this) {
      Expectation e = byKey.get(k);
      if (e == null) {
        return null;
      }
      unlink(e);
      return e.expires - now > 0 ? e : null;
    }
  }

  synchronized HelperContext.ExpectResult create(Expectation.ExpectKey key, CtEntry master,
      String helper, long expires) {
    Expectation existing = byKey.get(key);
    if (existing != null && existing.master != master) {
      return HelperContext.ExpectResult.CLASH;
    }
    CtExtra x = master.extra();
    if (x.expectation != null) {
      unlink(x.expectation);
    }
    if (byKey.size() >= max) {
      return HelperContext.ExpectResult.FULL;
    }
    Expectation e = new Expectation(key, master, helper, expires);
    byKey.put(key, e);
    x.expectation = e;
    count = byKey.size();
    created++;
    return HelperContext.ExpectResult.CREATED;
  }

  /** Drops the expectation of a master that is going away. */
  void removeFor(CtEntry master) {
    CtExtra x = master.extra;
    if (x == null || count == 0) {
      return;
    }
    synchronized (this) {
      if (x.expectation != null) {
        unlink(x.expectation);
      }
    }
  }

  synchronized int expire(long now) {
    if (count == 0) {
      return 0;
    }
    List<Expectation> dead = new ArrayList<>();
    for (Expectation e : byKey.values()) {
      if (e.expires - now <= 0) {
        dead.add(e);
      }
    }
    dead.forEach(this::unlink);
    return dead.size();
  }

  synchronized List<Expectation> list(long now) {
    List<Expectation> out = new ArrayList<>();
    for (Expectation e : byKey.values()) {
      if (e.expires - now > 0) {
        out.add(e);
      }
    }
    return out;
  }

  synchronized void clear() {
    new ArrayList<>(byKey.values()).forEach(this::unlink);
  }

  int size() {
    return count;
  }

  synchronized long createdCount() {
    return created;
  }

  synchronized long deletedCount() {
    return deleted;
  }

  private void unlink(Expectation e) {
    if (byKey.remove(e.key, e)) {
      deleted++;
    }
    CtExtra x = e.master.extra;
    if (x != null && x.expectation == e) {
      x.expectation = null;
    }
    count = byKey.size();
  }
}
