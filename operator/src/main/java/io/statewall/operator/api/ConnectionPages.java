package io.statewall.operator.api;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtTuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * One page of the conntrack table, filtered and sorted server-side for a table of a million: one
 * pass over the entries keeps only the best {@code offset + limit} in a bounded heap (no string
 * is made, no copy of the whole table is sorted), so the first page costs one comparison or two
 * per connection. Far pages (more than {@link #HEAP_MAX} deep) sort the filtered entries instead.
 */
final class ConnectionPages {
  static final int HEAP_MAX = 65_536;

  /** What a page can be sorted by; every order ends with the original tuple, so pages are stable. */
  enum Sort {
    SRC(Comparator.comparing((CtEntry e) -> orig(e).src())),
    DST(Comparator.comparing((CtEntry e) -> orig(e).dst())),
    SPORT(Comparator.comparingInt((CtEntry e) -> orig(e).srcPort())),
    DPORT(Comparator.comparingInt((CtEntry e) -> orig(e).dstPort())),
    PROTO(Comparator.comparingInt(CtEntry::protocol)),
    STATE(Comparator.comparing(CtEntry::tcpStateName, Comparator.nullsFirst(Comparator.naturalOrder()))),
    EXPIRES(Comparator.comparingLong(CtEntry::expiresAtMillis));

    final Comparator<CtEntry> order;

    Sort(Comparator<CtEntry> first) {
      this.order = first.thenComparing(ConnectionPages.TUPLE);
    }

    static Sort of(String name) {
      if (name == null) {
        return SRC;
      }
      try {
        return valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw ApiError.badRequest("sort: '" + name + "' is not one of src, dst, sport, dport, proto, state, expires");
      }
    }
  }

  record Page(int total, List<CtEntry> items) {}

  /** The original tuple's order: the last word of every sort. */
  private static final Comparator<CtEntry> TUPLE = Comparator.comparing((CtEntry e) -> orig(e).src())
      .thenComparing(e -> orig(e).dst()).thenComparingInt(CtEntry::protocol)
      .thenComparingInt(e -> orig(e).srcPort()).thenComparingInt(e -> orig(e).dstPort());

  private ConnectionPages() {}

  /** The order {@code sort} and {@code order} (asc, the default, or desc) of the query ask for. */
  static Comparator<CtEntry> order(Query q) {
    Comparator<CtEntry> c = Sort.of(q.string("sort")).order;
    String o = q.string("order");
    if (o == null || o.equalsIgnoreCase("asc")) {
      return c;
    }
    if (o.equalsIgnoreCase("desc")) {
      return c.reversed();
    }
    throw ApiError.badRequest("order: '" + o + "' is not asc or desc");
  }

  static Page page(Collection<CtEntry> entries, Predicate<CtEntry> filter, Comparator<CtEntry> order, int offset,
      int limit) {
    long want = (long) offset + limit;
    if (want > HEAP_MAX) {
      List<CtEntry> all = new ArrayList<>();
      for (CtEntry e : entries) {
        if (filter.test(e)) {
          all.add(e);
        }
      }
      all.sort(order);
      int from = Math.min(offset, all.size());
      return new Page(all.size(), List.copyOf(all.subList(from, (int) Math.min(all.size(), want))));
    }
    // the worst of the best `want` on top, to be pushed out by a better one
    PriorityQueue<CtEntry> best = new PriorityQueue<>((int) want, order.reversed());
    int total = 0;
    for (CtEntry e : entries) {
      if (!filter.test(e)) {
        continue;
      }
      total++;
      if (best.size() < want) {
        best.add(e);
      } else if (order.compare(e, best.peek()) < 0) {
        best.poll();
        best.add(e);
      }
    }
    List<CtEntry> kept = new ArrayList<>(best);
    kept.sort(order);
    int from = Math.min(offset, kept.size());
    return new Page(total, List.copyOf(kept.subList(from, kept.size())));
  }

  private static CtTuple orig(CtEntry e) {
    return e.tuple(CtDirection.ORIGINAL);
  }
}
