package io.statewall.netfilter.rules;

import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code -m connlimit}: xt_connlimit over nf_conncount. The rule remembers the connections it has seen
 * per masked source (or destination) address; a remembered connection counts while the central
 * conntrack still holds it unclosed ({@link ConnInfo#counts}), so a network rule set counts what every
 * host of an address has open across the whole network.
 *
 * @param limit the {@code --connlimit-above} / {@code -upto} number (unsigned 32 bits)
 * @param upto true for {@code --connlimit-upto} (the kernel's inverted above)
 * @param mask the address mask, as a prefix
 */
public record ConnLimitMatch(long limit, boolean upto, Cidr mask, boolean dest, Counts counts) implements Match {

  @Override
  public boolean test(Packet p, ConnInfo ct) {
    IpAddress a = dest ? p.dst() : p.src();
    if (a == null) {
      return false;
    }
    IpAddress key = new IpAddress(a.family(), a.hi() & mask.maskHi(), a.lo() & mask.maskLo());
    return (counts.count(key, ct) > limit) != upto;
  }

  @Override
  public boolean perPacket() {
    return true;
  }

  @Override
  public boolean stateful() {
    return true;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m connlimit --connlimit-").append(upto ? "upto " : "above ").append(limit)
        .append(" --connlimit-mask ").append(mask.prefix()).append(dest ? " --connlimit-daddr" : " --connlimit-saddr");
  }

  /**
   * The connections one rule has seen, by masked address (nf_conncount's tree). Bounded: a key's list
   * drops what no longer counts whenever it is counted, and the whole table is swept once it holds
   * twice as many connections as it did after the last sweep (and at least {@link #FIRST_SWEEP}), so
   * it never holds more than about twice the connections the table tracks.
   */
  public static final class Counts {
    static final int FIRST_SWEEP = 1024;
    private final Map<IpAddress, List<CtEntry>> byKey = new HashMap<>();
    private int size;
    private int sweepAt = FIRST_SWEEP;

    /** nf_conncount's garbage collection frees at most this many stale connections per count, plus one. */
    static final int GC_MAX = 8;

    /**
     * nf_conncount_count as Linux 6.18 runs it: a packet of a confirmed connection only reads the key's
     * count (stale connections included); a new connection's packet first frees connections that no
     * longer count (up to {@link #GC_MAX} + 1), then is added unless already listed.
     */
    synchronized long count(IpAddress key, ConnInfo ct) {
      CtEntry own = ct.entry();
      List<CtEntry> list = byKey.get(key);
      if (own != null && own.hasStatus(CtEntry.CONFIRMED)) {
        return list == null ? 0 : list.size();
      }
      if (list == null) {
        list = new ArrayList<>(2);
        byKey.put(key, list);
      }
      int collected = 0;
      for (Iterator<CtEntry> it = list.iterator(); it.hasNext() && collected <= GC_MAX; ) {
        CtEntry e = it.next();
        if (e == own) {
          return list.size();
        }
        if (!ct.counts(e)) {
          it.remove();
          size--;
          collected++;
        }
      }
      if (own == null) {
        // an untracked packet: counted once, remembered never (the kernel's tuple would find no entry)
        return list.size() + 1L;
      }
      list.add(own);
      size++;
      if (size >= sweepAt) {
        sweep(ct);
      }
      return list.size();
    }

    private void sweep(ConnInfo ct) {
      size = 0;
      for (Iterator<List<CtEntry>> lists = byKey.values().iterator(); lists.hasNext(); ) {
        List<CtEntry> l = lists.next();
        l.removeIf(e -> e != ct.entry() && !ct.counts(e));
        if (l.isEmpty()) {
          lists.remove();
        }
        size += l.size();
      }
      sweepAt = Math.max(FIRST_SWEEP, 2 * size);
    }

    /** Connections remembered (some may no longer count); for tests. */
    synchronized int size() {
      return size;
    }
  }
}
