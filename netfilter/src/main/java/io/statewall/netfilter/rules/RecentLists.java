package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.IpAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The {@code -m recent} lists of one rule set, as xt_recent keeps them for one network namespace:
 * named lists of addresses with the times they were seen. Bounded as the kernel module bounds them:
 * {@link #IP_LIST_TOT} addresses per list (the least recently updated is evicted first) and a ring
 * of timestamps per address sized from the largest {@code --hitcount} of the rules using the list.
 */
public final class RecentLists {
  /** xt_recent's ip_list_tot: addresses remembered per list. */
  public static final int IP_LIST_TOT = 100;
  /** XT_RECENT_MAX_NSTAMPS of Linux 6.10 and later: {@code --hitcount} must be below it. */
  static final int MAX_NSTAMPS = 65536;

  private final LongSupplier nanoClock;
  private final Map<String, RecentList> lists = new HashMap<>();

  /** Lists whose timestamps come from {@code nanoClock} (System::nanoTime, or a test's fake). */
  public RecentLists(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /**
   * The list a rule uses, created by the first rule naming it (whose mask the list keeps, as the
   * kernel's table keeps its creator's); a rule needing more timestamps enlarges the ring, as
   * recent_mt_check does.
   */
  synchronized RecentList list(String name, IpAddress mask, int hitCount) {
    // recent_mt_check with ip_pkt_list_tot = 0 (its default): roundup_pow_of_two(hitcount), or 32
    int stamps = hitCount == 0 ? 32 : hitCount == 1 ? 1 : Integer.highestOneBit(hitCount - 1) << 1;
    RecentList l = lists.computeIfAbsent(name, n -> new RecentList(nanoClock, mask));
    l.ensureStamps(stamps);
    return l;
  }

  /** The named list, or null; for tests and introspection. */
  public synchronized RecentList get(String name) {
    return lists.get(name);
  }

  /** One named list: masked address to entry, in least-recently-updated-first order. */
  public static final class RecentList {
    private final LongSupplier clock;
    private final IpAddress mask;
    private final LinkedHashMap<IpAddress, Entry> entries = new LinkedHashMap<>();
    private int stampMask;

    RecentList(LongSupplier clock, IpAddress mask) {
      this.clock = clock;
      this.mask = mask;
    }

    void ensureStamps(int n) {
      // the kernel flushes a table whose ring grows; at load time the list is still empty
      if (n - 1 > stampMask) {
        entries.clear();
        stampMask = n - 1;
      }
    }

    /** How many addresses the list holds. */
    public synchronized int size() {
      return entries.size();
    }

    /** Whether the list holds {@code address} (unmasked). */
    public synchronized boolean contains(IpAddress address) {
      return entries.containsKey(masked(address));
    }

    private IpAddress masked(IpAddress a) {
      return new IpAddress(a.family(), a.hi() & mask.hi(), a.lo() & mask.lo());
    }

    /** recent_mt: one packet's test (and update) of the list; {@code ttl} is the packet's TTL or hop limit. */
    synchronized boolean test(Match.Recent info, IpAddress address, int ttl) {
      boolean ret = info.invert();
      if (address == null) {
        return ret;
      }
      IpAddress key = masked(address);
      Entry e = entries.get(key);
      if (e != null && info.rttl() && !(ttl == e.ttl || ttl == 0 || e.ttl == 0)) {
        e = null;
      }
      long now = clock.getAsLong();
      if (e == null) {
        if (info.op() != Match.Recent.Op.SET) {
          return ret;
        }
        if (entries.size() >= IP_LIST_TOT) {
          Iterator<Entry> oldest = entries.values().iterator();
          oldest.next();
          oldest.remove();
        }
        e = new Entry(key, ttl, now, Math.min(stampMask + 1, 4));
        entries.put(key, e);
        return !ret;
      }
      switch (info.op()) {
        case SET -> ret = !ret;
        case REMOVE -> {
          entries.remove(key);
          return !ret;
        }
        default -> {
          long window = info.seconds() * 1_000_000_000L;
          int hits = 0;
          for (int i = 0; i < e.nstamps; i++) {
            if (info.seconds() != 0 && now - e.stamps[i] > window) {
              continue;
            }
            if (info.hitCount() == 0 || ++hits >= info.hitCount()) {
              ret = !ret;
              break;
            }
          }
          if (info.reap()) {
            reap(now, window, e, info.op() == Match.Recent.Op.UPDATE && ret);
          }
        }
      }
      if (info.op() == Match.Recent.Op.SET || (info.op() == Match.Recent.Op.UPDATE && ret)) {
        e.update(now, stampMask);
        e.ttl = ttl;
        entries.remove(key);
        entries.put(key, e);
      }
      return ret;
    }

    /** recent_entry_reap: drops the least recently updated address when its newest stamp is older than the window. */
    private void reap(long now, long window, Entry working, boolean update) {
      Iterator<Entry> it = entries.values().iterator();
      Entry oldest = it.next();
      if (oldest == working && update) {
        return;
      }
      if (now - oldest.stamps[oldest.index - 1] > window) {
        it.remove();
      }
    }
  }

  /** One address: its ring of timestamps (grown on demand up to the list's size) and the TTL last seen. */
  private static final class Entry {
    final IpAddress address;
    int ttl;
    long[] stamps;
    int index;
    int nstamps;

    Entry(IpAddress address, int ttl, long now, int initial) {
      this.address = address;
      this.ttl = ttl;
      this.stamps = new long[initial];
      stamps[0] = now;
      index = 1;
      nstamps = 1;
    }

    /** recent_entry_update: the next slot of the ring, wrapping at the list's stamp count. */
    void update(long now, int stampMask) {
      index &= stampMask;
      if (index >= stamps.length) {
        stamps = Arrays.copyOf(stamps, Math.min(stampMask + 1, stamps.length * 2));
      }
      stamps[index++] = now;
      if (index > nstamps) {
        nstamps = index;
      }
    }
  }
}
