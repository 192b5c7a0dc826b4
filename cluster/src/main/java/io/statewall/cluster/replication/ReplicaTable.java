package io.statewall.cluster.replication;

import io.statewall.netfilter.conntrack.CtTuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The replicas a follower holds, one side table per owner, apart from its live conntrack (a replica is
 * not tracked here: no packet of it is judged until a takeover commits it). A connection has one owner:
 * a replica arriving from a new owner leaves the old owner's table. Each table is bounded (conntrack's
 * maximum); past it new replicas are refused and counted. Each owner's table is columns, not objects
 * ({@link ReplicaColumns}); what it gives out is a copy. Not thread-safe: the replicator locks it.
 */
final class ReplicaTable {
  /** A pending expectation of a replicated control connection, and when it arrived here. */
  private record Pending(Change.Expect expectation, long receivedAt) {}

  private final int maxPerOwner;
  private final Map<String, ReplicaColumns> byOwner = new HashMap<>();
  /** Per owner, the replicas with a pending expectation (a few control connections), by key. */
  private final Map<String, Map<Replica, Pending>> expecting = new HashMap<>();
  /** How many replicas the expecting maps hold together: read without the lock, to skip a lookup when none. */
  private volatile int expectingCount;
  private long refused;

  ReplicaTable(int maxPerOwner) {
    this.maxPerOwner = maxPerOwner;
  }

  /** Whether {@code owner}'s table holds {@code key}. */
  boolean holds(String owner, Replica key) {
    ReplicaColumns t = byOwner.get(owner);
    return t != null && t.contains(key);
  }

  /**
   * The owner whose table holds {@code key}, or null: {@link #owners}' order without its copy (asked for
   * each packet-in that is not an opening, on the switch threads, under the replicator's lock).
   */
  String ownerHolding(Replica key) {
    for (Map.Entry<String, ReplicaColumns> e : byOwner.entrySet()) {
      if (e.getValue().contains(key)) {
        return e.getKey();
      }
    }
    return null;
  }

  /**
   * Applies {@code owner}'s update of {@code key}'s connection, adding its replica if new; false (and
   * counted) if the owner's table is full.
   */
  boolean put(String owner, Replica key, Change.Update u, long now) {
    ReplicaColumns t = byOwner.computeIfAbsent(owner, o -> new ReplicaColumns());
    if (t.put(key, u, now, maxPerOwner)) {
      return true;
    }
    refused++;
    return false;
  }

  /** Removes {@code owner}'s replica of {@code key}, and its pending expectation; whether there was one. */
  boolean remove(String owner, Replica key) {
    ReplicaColumns t = byOwner.get(owner);
    if (t == null || !t.remove(key)) {
      return false;
    }
    unexpect(owner, key);
    return true;
  }

  /** Sets {@code key}'s pending expectation (it replaces any earlier one: FTP has one per control connection). */
  void expect(String owner, Replica key, Change.Expect x, long now) {
    if (expecting.computeIfAbsent(owner, o -> new HashMap<>()).put(key, new Pending(x, now)) == null) {
      expectingCount++;
    }
  }

  void unexpect(String owner, Replica key) {
    Map<Replica, Pending> m = expecting.get(owner);
    if (m != null && m.remove(key) != null) {
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

  /** Removes and returns {@code owner}'s replicas that {@code which} selects (copies, with their expectations). */
  List<Replica> take(String owner, Predicate<Replica> which) {
    List<Replica> out = new ArrayList<>();
    ReplicaColumns t = byOwner.get(owner);
    if (t == null) {
      return out;
    }
    t.removeIf(r -> which.test(withExpectation(owner, r)), r -> {
      out.add(r);
      unexpect(owner, r);
    });
    return out;
  }

  /** The replica of {@code owner} whose pending expectation a new connection from src to dst:dport fulfils. */
  Replica expecting(String owner, Change.Update related) {
    return expecting(owner, related.ct().original());
  }

  /**
   * The replica (its key) of {@code owner} whose pending expectation a new connection with ORIGINAL tuple
   * {@code o} fulfils.
   */
  Replica expecting(String owner, CtTuple o) {
    Map<Replica, Pending> candidates = expecting.get(owner);
    if (candidates == null) {
      return null;
    }
    for (Map.Entry<Replica, Pending> e : candidates.entrySet()) {
      Change.Expect x = e.getValue().expectation();
      if (x.src().equals(o.src()) && x.dst().equals(o.dst()) && x.protocol() == o.protocol()
          && x.dstPort() == o.dstPort()) {
        return e.getKey();
      }
    }
    return null;
  }

  /** {@code owner}'s replicas (copies, with their expectations). */
  List<Replica> list(String owner) {
    ReplicaColumns t = byOwner.get(owner);
    if (t == null) {
      return List.of();
    }
    List<Replica> out = new ArrayList<>(t.size());
    t.forEach(r -> out.add(withExpectation(owner, r)));
    return out;
  }

  void clear(String owner) {
    byOwner.remove(owner);
    Map<Replica, Pending> m = expecting.remove(owner);
    if (m != null) {
      expectingCount -= m.size();
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

  private Replica withExpectation(String owner, Replica r) {
    Map<Replica, Pending> m = expecting.get(owner);
    Pending p = m == null ? null : m.get(r);
    if (p != null) {
      r.expectation = p.expectation();
      r.expectationReceivedAt = p.receivedAt();
    }
    return r;
  }
}
