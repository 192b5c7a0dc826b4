package io.statewall.cluster.replication;

import io.statewall.netfilter.conntrack.CtTuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The replicas a follower holds, one side table per owner, apart from its live conntrack (a replica is
 * not tracked here: no packet of it is judged until a takeover commits it). A connection has one owner:
 * a replica arriving from a new owner leaves the old owner's table. Each table is bounded (conntrack's
 * maximum); past it new replicas are refused and counted. Not thread-safe: the replicator locks it.
 */
final class ReplicaTable {
  private final int maxPerOwner;
  private final Map<String, Map<Replica, Replica>> byOwner = new HashMap<>();
  /** Per owner, the replicas with a pending expectation (a few control connections). */
  private final Map<String, Set<Replica>> expecting = new HashMap<>();
  /** How many replicas the expecting sets hold together: read without the lock, to skip a lookup when none. */
  private volatile int expectingCount;
  private long refused;

  ReplicaTable(int maxPerOwner) {
    this.maxPerOwner = maxPerOwner;
  }

  Replica get(String owner, Replica key) {
    Map<Replica, Replica> t = byOwner.get(owner);
    return t == null ? null : t.get(key);
  }

  /**
   * The owner whose table holds {@code key}, or null: {@link #owners}' order without its copy (asked for
   * each packet-in that is not an opening, on the switch threads, under the replicator's lock).
   */
  String ownerHolding(Replica key) {
    for (Map.Entry<String, Map<Replica, Replica>> e : byOwner.entrySet()) {
      if (e.getValue().containsKey(key)) {
        return e.getKey();
      }
    }
    return null;
  }

  /** The replica of {@code key} under {@code owner}, made if needed (null if the table is full). */
  Replica getOrAdd(String owner, Replica key) {
    Map<Replica, Replica> t = byOwner.computeIfAbsent(owner, o -> new HashMap<>());
    Replica r = t.get(key);
    if (r != null) {
      return r;
    }
    if (t.size() >= maxPerOwner) {
      refused++;
      return null;
    }
    t.put(key, key);
    return key;
  }

  Replica remove(String owner, Replica key) {
    Map<Replica, Replica> t = byOwner.get(owner);
    Replica r = t == null ? null : t.remove(key);
    if (r != null && r.expectation != null) {
      unexpect(owner, r);
    }
    return r;
  }

  /** Sets {@code r}'s pending expectation (it replaces any earlier one: FTP has one per control connection). */
  void expect(String owner, Replica r, Change.Expect x, long now) {
    r.expectation = x;
    r.expectationReceivedAt = now;
    if (expecting.computeIfAbsent(owner, o -> new HashSet<>()).add(r)) {
      expectingCount++;
    }
  }

  void unexpect(String owner, Replica r) {
    r.expectation = null;
    Set<Replica> s = expecting.get(owner);
    if (s != null && s.remove(r)) {
      expectingCount--;
    }
  }

  /** Drops {@code key} from every owner's table but {@code owner}'s (it has moved to {@code owner}). */
  void removeElsewhere(String owner, Replica key) {
    if (byOwner.isEmpty() || byOwner.size() == 1 && byOwner.containsKey(owner)) {
      return; // nobody else holds any (the first replica of a new owner still looks at the others)
    }
    for (String o : owners()) {
      if (!o.equals(owner)) {
        remove(o, key);
      }
    }
  }

  /** Removes and returns {@code owner}'s replicas that {@code which} selects. */
  List<Replica> take(String owner, Predicate<Replica> which) {
    List<Replica> out = new ArrayList<>();
    Map<Replica, Replica> t = byOwner.get(owner);
    if (t == null) {
      return out;
    }
    for (Iterator<Replica> it = t.values().iterator(); it.hasNext();) {
      Replica r = it.next();
      if (which.test(r)) {
        out.add(r);
        it.remove();
        Set<Replica> s = expecting.get(owner);
        if (s != null && s.remove(r)) {
          expectingCount--;
        }
      }
    }
    return out;
  }

  /** The replica of {@code owner} whose pending expectation a new connection from src to dst:dport fulfils. */
  Replica expecting(String owner, Change.Update related) {
    return expecting(owner, related.ct().original());
  }

  /** The replica of {@code owner} whose pending expectation a new connection with ORIGINAL tuple {@code o} fulfils. */
  Replica expecting(String owner, CtTuple o) {
    Set<Replica> candidates = expecting.get(owner);
    if (candidates == null) {
      return null;
    }
    for (Replica r : candidates) {
      Change.Expect x = r.expectation;
      if (x != null && x.src().equals(o.src()) && x.dst().equals(o.dst()) && x.protocol() == o.protocol()
          && x.dstPort() == o.dstPort()) {
        return r;
      }
    }
    return null;
  }

  /** {@code owner}'s replicas (a copy). */
  List<Replica> list(String owner) {
    Map<Replica, Replica> t = byOwner.get(owner);
    return t == null ? List.of() : new ArrayList<>(t.values());
  }

  void clear(String owner) {
    byOwner.remove(owner);
    Set<Replica> s = expecting.remove(owner);
    if (s != null) {
      expectingCount -= s.size();
    }
  }

  /** Whether any owner's replica has a pending expectation (without the lock: a hint, exact under it). */
  boolean anyExpecting() {
    return expectingCount > 0;
  }

  /** Replicas held per owner. */
  Map<String, Integer> sizes() {
    Map<String, Integer> out = new TreeMap<>();
    byOwner.forEach((o, t) -> out.put(o, t.size()));
    return out;
  }

  Iterable<String> owners() {
    return new ArrayList<>(byOwner.keySet());
  }

  long refused() {
    return refused;
  }
}
