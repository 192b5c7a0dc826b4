package io.statewall.netfilter.conntrack;

import java.util.ArrayList;
import java.util.List;

/**
 * The connections themselves: a hash table split into lock-striped {@link CtShard}s, with the
 * bounded expiry sweep and Linux's early drop. Knows nothing of protocols, helpers or listeners:
 * what it unlinks it hands back, and the tracker reports it.
 *
 * <p>Both directions of a connection hash to the same bucket (the hash is symmetric in the two
 * endpoints), so one chain link per connection serves lookups in either direction.
 */
final class CtTable {
  static final int SHARDS = 64;
  private static final int EVICTION_RANGE = 8;

  /** What a walk does with each live connection; true unlinks it (it is handed back). */
  @FunctionalInterface
  interface Visitor {
    boolean visit(CtEntry e);
  }

  /** What an early drop unlinked: the unassured victims, and the expired entries met on the way. */
  record Dropped(List<CtEntry> victims, List<CtEntry> expired) {
    boolean any() {
      return !victims.isEmpty() || !expired.isEmpty();
    }
  }

  private final CtShard[] shards = new CtShard[SHARDS];
  private final Object gcLock = new Object();
  private int gcShard;
  private int gcBucket;

  CtTable() {
    for (int i = 0; i < SHARDS; i++) {
      shards[i] = new CtShard();
    }
  }

  /** The shard (and lock) of connections whose hash is {@code hash}. */
  CtShard shardOf(int hash) {
    return shards[(hash >>> 26) & (SHARDS - 1)];
  }

  /**
   * The one walk of the whole table: every connection, shard by shard under its lock; those the
   * visitor answers true for are unlinked and returned (listeners run outside the locks).
   */
  List<CtEntry> walk(Visitor v) {
    List<CtEntry> unlinked = new ArrayList<>();
    for (CtShard s : shards) {
      synchronized (s) {
        int before = unlinked.size();
        for (CtEntry head : s.table) {
          for (CtEntry e = head; e != null; e = e.next) {
            if (v.visit(e)) {
              unlinked.add(e);
            }
          }
        }
        for (int i = before; i < unlinked.size(); i++) {
          s.unlink(unlinked.get(i));
        }
      }
    }
    return unlinked;
  }

  /**
   * Unlinks expired connections from at most {@code maxBuckets} buckets, going on where the last
   * call stopped, and never more than one sweep of the table per call: a caller asking for "all"
   * (a large budget) would otherwise sweep the same buckets again and again until it ran out.
   */
  List<CtEntry> sweepExpired(int maxBuckets, long now) {
    List<CtEntry> dead = new ArrayList<>();
    synchronized (gcLock) {
      int budget = (int) Math.min(maxBuckets, totalBuckets() + SHARDS);
      while (budget > 0) {
        CtShard s = shards[gcShard];
        synchronized (s) {
          CtEntry[] t = s.table;
          if (gcBucket >= t.length) {
            gcBucket = 0;
            gcShard = (gcShard + 1) % SHARDS;
            budget--;
            continue;
          }
          int n = Math.min(budget, t.length - gcBucket);
          int before = dead.size();
          for (int i = 0; i < n; i++) {
            for (CtEntry e = t[gcBucket + i]; e != null; e = e.next) {
              if (e.expires - now <= 0) {
                dead.add(e);
              }
            }
          }
          for (int i = before; i < dead.size(); i++) {
            s.unlink(dead.get(i));
          }
          gcBucket += n;
          budget -= n;
        }
      }
    }
    return dead;
  }

  private long totalBuckets() {
    long n = 0;
    for (CtShard s : shards) {
      synchronized (s) {
        n += s.table.length;
      }
    }
    return n;
  }

  /**
   * Linux's early_drop: look at up to 8 buckets from the new connection's, and unlink the unassured
   * connections of the first bucket that has some (expired entries met on the way go too). Unlike
   * Linux, when the new connection's own shard has none, the same bounded look is taken in the
   * other shards before giving up, so a flood of unassured entries cannot lock new ones out.
   */
  Dropped earlyDrop(int hash, long now) {
    int first = (hash >>> 26) & (SHARDS - 1);
    Dropped d = new Dropped(List.of(), List.of());
    for (int i = 0; i < SHARDS && !d.any(); i++) {
      d = earlyDropIn(shards[(first + i) & (SHARDS - 1)], hash, now);
    }
    return d;
  }

  private static Dropped earlyDropIn(CtShard s, int hash, long now) {
    List<CtEntry> victims = new ArrayList<>(2);
    List<CtEntry> expired = new ArrayList<>(2);
    synchronized (s) {
      CtEntry[] t = s.table;
      int b = hash & (t.length - 1);
      for (int i = 0; i < EVICTION_RANGE && i < t.length && victims.isEmpty(); i++) {
        for (CtEntry e = t[(b + i) & (t.length - 1)]; e != null; e = e.next) {
          if (e.expires - now <= 0) {
            expired.add(e);
          } else if (!e.hasStatus(CtEntry.ASSURED)) {
            victims.add(e);
          }
        }
      }
      expired.forEach(s::unlink);
      victims.forEach(s::unlink);
    }
    return new Dropped(victims, expired);
  }
}
