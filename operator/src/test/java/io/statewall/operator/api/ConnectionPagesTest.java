package io.statewall.operator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.TrackOptions;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The connections page of a table of a million tracked connections: the page is the one a full sort
 * gives, for every sort and both orders, and the first page comes sooner than sorting the whole table
 * (time to first page and the ratio: target/connections-page.txt).
 */
class ConnectionPagesTest {
  static final int CONNECTIONS = 1_000_000;
  static ShardedConnTracker ct;
  static List<CtEntry> table;

  @BeforeAll
  static void track() {
    // a clock that stands still: on a loaded machine the tests outlast UDP's 30 s, and the entries expired
    ct = new ShardedConnTracker(CtConfig.defaults().withMaxEntries(CONNECTIONS + 1000),
        InstantSource.fixed(java.time.Instant.parse("2026-12-07T00:00:00Z")), List.of());
    for (int i = 0; i < CONNECTIONS; i++) {
      // 1,000 clients (10.1.x.y) to 16 servers on 8 ports: many equal fields, so the tie-breaks matter
      Packet p = Packet.builder().addresses(IpAddress.v4(0x0A010000 + (i % 1000)), IpAddress.v4(0x0A000100 + (i % 16)))
          .udp(1024 + i / 1000, 5000 + i % 8).build();
      ct.confirm(ct.classify(p, TrackOptions.NONE));
    }
    table = ct.entries();
    assertThat(table).hasSize(CONNECTIONS);
  }

  @Test
  void eachPageIsTheSliceOfTheFullySortedTable() {
    Predicate<CtEntry> all = e -> true;
    // a fifth of the table is enough to check the order, and keeps 14 full sorts short
    List<CtEntry> part = table.subList(0, CONNECTIONS / 5);
    for (ConnectionPages.Sort sort : ConnectionPages.Sort.values()) {
      for (Comparator<CtEntry> order : List.of(sort.order, sort.order.reversed())) {
        List<CtEntry> sorted = new ArrayList<>(part);
        sorted.sort(order);
        // 70,000 is past the heap's depth: the far page sorts instead
        for (int offset : new int[] {0, 50, 70_000}) {
          ConnectionPages.Page page = ConnectionPages.page(part, all, order, offset, 50);
          assertThat(page.total()).isEqualTo(part.size());
          assertThat(page.items()).as("%s from %d", sort, offset).containsExactlyElementsOf(sorted.subList(offset, offset + 50));
        }
      }
    }
    ConnectionPages.Page last = ConnectionPages.page(table, all, ConnectionPages.Sort.SRC.order, CONNECTIONS - 10, 50);
    assertThat(last.items()).hasSize(10);
  }

  @Test
  void aFilterCountsAndPagesOnlyWhatMatches() {
    ConnectionPages.Page page = ConnectionPages.page(table, e -> e.tuple(CtDirection.ORIGINAL).dstPort() == 5003,
        ConnectionPages.Sort.SRC.order, 0, 10);
    assertThat(page.total()).isEqualTo(CONNECTIONS / 8);
    assertThat(page.items()).allMatch(e -> e.tuple(CtDirection.ORIGINAL).dstPort() == 5003).hasSize(10);
  }

  @Test
  void theFirstPageOfAMillionComesSoonerThanAFullSort() throws Exception {
    Predicate<CtEntry> all = e -> true;
    long[] page = new long[3];
    long[] fullSort = new long[3];
    for (int run = 0; run < 3; run++) {
      long t0 = System.nanoTime();
      // as the API does it: the tracker's entries read anew, then the page
      ConnectionPages.Page p = ConnectionPages.page(ct.entries(), all, ConnectionPages.Sort.SRC.order, 0, 50);
      page[run] = System.nanoTime() - t0;
      assertThat(p.items()).hasSize(50);
      // the baseline: the whole table sorted by the same order (the API sorted it by each tuple's text
      // before, which took a minute here: docs/web.md)
      t0 = System.nanoTime();
      List<CtEntry> sorted = new ArrayList<>(table);
      sorted.sort(ConnectionPages.Sort.SRC.order);
      fullSort[run] = System.nanoTime() - t0;
      assertThat(sorted).hasSize(CONNECTIONS);
    }
    Arrays.sort(page);
    Arrays.sort(fullSort);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "connections-page.txt"), String.format(
        "first page of %,d tracked connections (50 rows, sorted by source): median %d ms; "
            + "the whole table sorted by the same order: median %d ms (ratio %.1f)%n",
        CONNECTIONS, page[1] / 1_000_000, fullSort[1] / 1_000_000, (double) fullSort[1] / page[1]));
    assertThat(page[1]).isLessThan(fullSort[1]);
  }

  @Test
  void sortAndOrderComeFromTheQuery() {
    assertThat(ConnectionPages.order(new Query(Map.of("sort", List.of("dport"), "order", List.of("desc")),
        Set.of("sort", "order")))).isNotNull();
    assertThatThrownBy(() -> ConnectionPages.order(
        new Query(Map.of("sort", List.of("colour")), Set.of("sort", "order"))))
        .isInstanceOf(ApiError.class).hasMessageContaining("src, dst, sport, dport, proto, state, expires");
  }
}
