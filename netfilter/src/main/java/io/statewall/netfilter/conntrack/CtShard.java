package io.statewall.netfilter.conntrack;

/**
 * One lock stripe of the table: a chained hash table of connections. Every method must be called
 * holding this object's monitor.
 */
final class CtShard {

  CtEntry[] table = new CtEntry[16];
  int size;
  /** An expired entry unlinked by the last find, to be reported once the lock is released. */
  private CtEntry expiredFound;

  CtEntry find(CtKey k, long now) {
    CtEntry[] t = table;
    int b = k.hash & (t.length - 1);
    for (CtEntry e = t[b]; e != null; e = e.next) {
      if (e.hash == k.hash && k.matchDir(e) >= 0) {
        if (now != Long.MIN_VALUE && e.expires - now <= 0) {
          unlink(e);
          expiredFound = e;
          return null;
        }
        return e;
      }
    }
    return null;
  }

  CtEntry takeExpired() {
    CtEntry e = expiredFound;
    expiredFound = null;
    return e;
  }

  void link(CtEntry e) {
    if (size >= table.length - (table.length >>> 2)) {
      resize();
    }
    int b = e.hash() & (table.length - 1);
    e.next = table[b];
    table[b] = e;
    size++;
  }

  void unlink(CtEntry e) {
    CtEntry[] t = table;
    int b = e.hash() & (t.length - 1);
    CtEntry prev = null;
    for (CtEntry c = t[b]; c != null; prev = c, c = c.next) {
      if (c == e) {
        if (prev == null) {
          t[b] = c.next;
        } else {
          prev.next = c.next;
        }
        e.next = null;
        e.status |= CtEntry.DYING;
        size--;
        return;
      }
    }
  }

  private void resize() {
    CtEntry[] old = table;
    CtEntry[] t = new CtEntry[old.length * 2];
    for (CtEntry head : old) {
      CtEntry e = head;
      while (e != null) {
        CtEntry next = e.next;
        int b = e.hash() & (t.length - 1);
        e.next = t[b];
        t[b] = e;
        e = next;
      }
    }
    table = t;
  }
}
