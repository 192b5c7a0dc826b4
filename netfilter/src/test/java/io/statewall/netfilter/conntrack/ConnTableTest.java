package io.statewall.netfilter.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The table: two-phase insert, bounds and early drop, expiry, deletion, listing, offload hooks. */
class ConnTableTest {

  private static final PacketParser PARSER = new PacketParser();
  private final FakeClock clock = new FakeClock();
  private final List<String> removed = Collections.synchronizedList(new ArrayList<>());

  private ShardedConnTracker tracker(CtConfig config) {
    ShardedConnTracker ct = new ShardedConnTracker(config, clock, List.of());
    ct.addRemovalListener((e, why) -> removed.add(why + " " + e.tuple(CtDirection.ORIGINAL).srcPort()));
    return ct;
  }

  private static Packet udp(int i) {
    return PARSER.parse(FrameBuilder.ip("10.1.0.1", "10.2.0.1").udp(1024 + i, 53).build());
  }

  private static Packet udpReply(int i) {
    return PARSER.parse(FrameBuilder.ip("10.2.0.1", "10.1.0.1").udp(53, 1024 + i).build());
  }

  private static CtLookup track(ConnTracker ct, Packet p) {
    CtLookup l = ct.classify(p, TrackOptions.NONE);
    ct.confirm(l);
    return l;
  }

  @Test
  void newConnectionEntersOnlyWhenConfirmed() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    CtLookup l = ct.classify(udp(1), TrackOptions.NONE);
    assertThat(l.state()).isEqualTo(CtState.NEW);
    assertThat(l.isUnconfirmed()).isTrue();
    assertThat(ct.entries()).isEmpty();
    assertThat(ct.classify(udp(1), TrackOptions.NONE).state()).as("dropped by the filter: still new").isEqualTo(CtState.NEW);
    assertThat(ct.confirm(l).accept()).isTrue();
    assertThat(ct.entries()).hasSize(1);
    assertThat(ct.entries().get(0).hasStatus(CtEntry.CONFIRMED)).isTrue();
    assertThat(ct.stats().created()).isEqualTo(1);
  }

  @Test
  void notrackNonIpMalformedAndFragments() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    assertThat(ct.classify(udp(1), TrackOptions.NOTRACK).state()).isEqualTo(CtState.UNTRACKED);
    byte[] arp = new byte[42];
    arp[12] = 0x08;
    arp[13] = 0x06;
    assertThat(ct.classify(PARSER.parse(arp), TrackOptions.NONE).state()).isEqualTo(CtState.UNTRACKED);
    assertThat(ct.classify(PARSER.parse(new byte[20]), TrackOptions.NONE).state()).isEqualTo(CtState.UNTRACKED);
    byte[] shortTcp = FrameBuilder.ip("10.0.0.1", "10.0.0.2").tcp(1, 2, 2).build();
    byte[] cut = java.util.Arrays.copyOf(shortTcp, 14 + 20 + 10);
    cut[17] = 30; // IP total length 30: a truncated TCP header
    assertThat(ct.classify(PARSER.parse(cut), TrackOptions.NONE).state()).isEqualTo(CtState.INVALID);
    byte[] frag = FrameBuilder.ip("10.0.0.1", "10.0.0.2").udp(1, 2).payload("xxxxxxxx").build();
    frag[14 + 6] = 0x00;
    frag[14 + 7] = 0x10; // fragment offset 16 bytes
    assertThat(ct.classify(PARSER.parse(frag), TrackOptions.NONE).state()).isEqualTo(CtState.INVALID);
    assertThat(ct.stats().invalid()).isEqualTo(2);
    assertThat(ct.entries()).isEmpty();
  }

  @Test
  void fullTableEarlyDropsUnassuredEntries() {
    ShardedConnTracker ct = tracker(CtConfig.defaults().withMaxEntries(200));
    for (int i = 0; i < 200; i++) {
      track(ct, udp(i));
    }
    CtLookup l = track(ct, udp(1000));
    assertThat(l.state()).isEqualTo(CtState.NEW);
    assertThat(l.dropNow()).isFalse();
    assertThat(ct.stats().entries()).isLessThanOrEqualTo(200);
    assertThat(ct.stats().earlyDrop()).isGreaterThanOrEqualTo(1);
    assertThat(removed).anyMatch(r -> r.startsWith("EARLY_DROP"));
    assertThat(ct.entries()).anyMatch(e -> e.tuple(CtDirection.ORIGINAL).srcPort() == 2024);
  }

  @Test
  void fullTableOfAssuredEntriesRefusesNewOnesAndKeepsServingEstablished() {
    ShardedConnTracker ct = tracker(CtConfig.defaults().withMaxEntries(100));
    for (int i = 0; i < 100; i++) {
      track(ct, udp(i));
      track(ct, udpReply(i));
    }
    clock.advanceSeconds(3);
    for (int i = 0; i < 100; i++) {
      track(ct, udp(i)); // still active after 2 s: assured
    }
    CtLookup l = ct.classify(udp(5000), TrackOptions.NONE);
    assertThat(l.dropNow()).isTrue();
    assertThat(ct.stats().drop()).isEqualTo(1);
    assertThat(ct.classify(udpReply(42), TrackOptions.NONE).state()).isEqualTo(CtState.ESTABLISHED);
    assertThat(ct.stats().entries()).isEqualTo(100);
  }

  @Test
  void expiryIsLazyAndCollectedInBoundedSweeps() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    for (int i = 0; i < 50; i++) {
      track(ct, udp(i));
    }
    clock.advanceSeconds(29);
    assertThat(ct.entries()).hasSize(50);
    clock.advanceSeconds(2);
    assertThat(ct.entries()).as("expired entries are not shown").isEmpty();
    assertThat(ct.stats().entries()).as("but not yet collected").isEqualTo(50);
    int collected = 0;
    for (int i = 0; i < 200 && collected < 50; i++) {
      collected += ct.collectExpired(16);
    }
    assertThat(collected).isEqualTo(50);
    assertThat(ct.stats().entries()).isZero();
    assertThat(removed).hasSize(50).allMatch(r -> r.startsWith("EXPIRED"));
  }

  @Test
  void anUnboundedCollectionSweepsTheTableOnceAndTakesEveryExpiredEntry() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    for (int i = 0; i < 50; i++) {
      track(ct, udp(i));
    }
    clock.advanceSeconds(31);
    // the firewall asks for everything once a second; one sweep must do it (it used to re-sweep
    // the whole table until two billion buckets were counted)
    assertThat(ct.collectExpired(Integer.MAX_VALUE)).isEqualTo(50);
    assertThat(ct.stats().entries()).isZero();
    assertThat(ct.collectExpired(Integer.MAX_VALUE)).isZero();
  }

  @Test
  void lookupOfAnExpiredEntryRemovesItAndStartsAgain() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    track(ct, udp(1));
    clock.advanceSeconds(31);
    assertThat(track(ct, udp(1)).state()).isEqualTo(CtState.NEW);
    assertThat(removed).containsExactly("EXPIRED 1025");
    assertThat(ct.stats().entries()).isEqualTo(1);
  }

  @Test
  void deleteByEitherTupleAndFlush() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    track(ct, udp(1));
    track(ct, udp(2));
    track(ct, udp(3));
    assertThat(ct.delete(CtTuple.ports("10.2.0.1", "10.1.0.1", 17, 53, 1025))).isEqualTo(1);
    assertThat(ct.delete(CtTuple.ports("10.2.0.1", "10.1.0.1", 17, 53, 1025))).isZero();
    assertThat(ct.delete(CtTuple.ports("10.1.0.1", "10.2.0.1", 17, 1026, 53))).isEqualTo(1);
    assertThat(ct.flush()).isEqualTo(1);
    assertThat(ct.entries()).isEmpty();
    assertThat(removed).containsExactlyInAnyOrder("DELETED 1025", "DELETED 1026", "DELETED 1027");
  }

  @Test
  void touchRefreshesOffloadedConnections() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    TcpFlow f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 80);
    track(ct, f.c(Packet.TCP_SYN));
    track(ct, f.s(Packet.TCP_SYN | Packet.TCP_ACK));
    CtEntry e = track(ct, f.c(Packet.TCP_ACK)).entry();
    clock.advanceSeconds(400_000);
    ct.touch(e, 1000, 1_500_000, CtDirection.REPLY);
    assertThat(e.packets(CtDirection.REPLY)).isEqualTo(1001);
    assertThat(e.bytes(CtDirection.REPLY)).isEqualTo(1_500_000 + 40);
    assertThat(e.expiresAtMillis() - clock.millis()).isEqualTo(432_000_000L);
    assertThat(ct.list().get(0)).startsWith("tcp      6 432000 ESTABLISHED ");
  }

  @Test
  void packetsAfterOffloadedTrafficAreInWindowAgain() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    TcpFlow f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 80);
    track(ct, f.c(Packet.TCP_SYN));
    track(ct, f.s(Packet.TCP_SYN | Packet.TCP_ACK));
    CtEntry e = track(ct, f.c(Packet.TCP_ACK)).entry();
    // The switch forwarded 10 MB each way that the controller never saw.
    f.cSeq += 10_000_000;
    f.sSeq += 10_000_000;
    assertThat(ct.classify(f.cPeek(Packet.TCP_ACK, "x"), TrackOptions.NONE).state())
        .as("without the offload report the jump is out of window").isEqualTo(CtState.INVALID);
    ct.touch(e, 7000, 10_000_000, CtDirection.ORIGINAL);
    ct.touch(e, 7000, 10_000_000, CtDirection.REPLY);
    assertThat(track(ct, f.c(Packet.TCP_ACK | Packet.TCP_PSH, "more")).state()).isEqualTo(CtState.ESTABLISHED);
    assertThat(track(ct, f.s(Packet.TCP_ACK)).state()).isEqualTo(CtState.ESTABLISHED);
    assertThat(track(ct, f.c(Packet.TCP_FIN | Packet.TCP_ACK)).state()).isEqualTo(CtState.ESTABLISHED);
    assertThat(e.tcpStateName()).isEqualTo("FIN_WAIT");
  }

  @Test
  void classifyAllGivesTheSequentialResults() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    track(ct, udp(1));
    Packet[] batch = {udp(1), udpReply(1), udp(2), null, udp(2), PARSER.parse(new byte[3])};
    TrackOptions[] opts = new TrackOptions[batch.length];
    java.util.Arrays.fill(opts, TrackOptions.NONE);
    CtLookup[] out = ct.classifyAll(batch, opts);
    assertThat(out).extracting(CtLookup::state).containsExactly(CtState.NEW, CtState.ESTABLISHED,
        CtState.NEW, CtState.INVALID, CtState.NEW, CtState.UNTRACKED);
    assertThat(out[1].entry()).isSameAs(out[0].entry());
  }

  @Test
  void countersPerDirection() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    track(ct, udp(1));
    track(ct, udp(1));
    CtEntry e = track(ct, udpReply(1)).entry();
    assertThat(e.packets(CtDirection.ORIGINAL)).isEqualTo(2);
    assertThat(e.packets(CtDirection.REPLY)).isEqualTo(1);
    assertThat(e.bytes(CtDirection.ORIGINAL)).isEqualTo(2 * 28);
    assertThat(ct.stats().found()).isEqualTo(2);
  }

  @Test
  void severalThreadsAtOnce() throws Exception {
    ShardedConnTracker ct = tracker(CtConfig.defaults().withMaxEntries(1_000_000));
    int threads = 4;
    int perThread = 5_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t * perThread;
        results.add(pool.submit(() -> {
          int established = 0;
          for (int i = 0; i < perThread; i++) {
            Packet q = PARSER.parse(FrameBuilder.ip("10.1.0.1", "10.2.0.1").udp(base + i, 53).build());
            track(ct, q);
            Packet r = PARSER.parse(FrameBuilder.ip("10.2.0.1", "10.1.0.1").udp(53, base + i).build());
            if (track(ct, r).state() == CtState.ESTABLISHED) {
              established++;
            }
            track(ct, udp(i % 64)); // contended shared connections
          }
          return established;
        }));
      }
      for (Future<Integer> r : results) {
        assertThat(r.get(60, TimeUnit.SECONDS)).isEqualTo(perThread);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(ct.stats().entries()).isEqualTo(threads * perThread + 64 - countOverlap(threads * perThread));
    assertThat(ct.entries()).hasSize(ct.stats().entries());
  }

  /**
   * Segments the switches carried never reach conntrack; without relaxing the window checks the
   * connection's next packet at the controller (an entry idled out, a reload removed it, or only one
   * direction is offloaded) would be out of window and INVALID.
   */
  @Test
  void anOffloadedTcpConnectionSurvivesSegmentsConntrackNeverSaw() {
    for (boolean offloaded : new boolean[] {false, true}) {
      ShardedConnTracker ct = tracker(CtConfig.defaults());
      TcpFlow f = new TcpFlow("10.1.0.1", 40000, "10.2.0.1", 22);
      track(ct, f.c(Packet.TCP_SYN));
      track(ct, f.s(Packet.TCP_SYN | Packet.TCP_ACK));
      CtLookup l = track(ct, f.c(Packet.TCP_ACK));
      if (offloaded) {
        ct.markOffloaded(l.entry());
      }
      for (int i = 0; i < 200; i++) { // about 2 MB each way through the switch alone
        f.c(Packet.TCP_ACK, "x".repeat(10000));
        f.s(Packet.TCP_ACK, "y".repeat(10000));
      }
      CtState next = ct.classify(f.c(Packet.TCP_ACK, "z"), TrackOptions.NONE).state();
      CtState reply = ct.classify(f.s(Packet.TCP_ACK, "w"), TrackOptions.NONE).state();
      assertThat(List.of(next, reply)).as(offloaded ? "offloaded" : "not offloaded: Linux's verdict")
          .containsOnly(offloaded ? CtState.ESTABLISHED : CtState.INVALID);
    }
  }

  /** The 64 shared connections use source ports 1024..1087, which the per-thread ones also use. */
  private static int countOverlap(int n) {
    int overlap = 0;
    for (int i = 0; i < 64; i++) {
      if (1024 + i < n) {
        overlap++;
      }
    }
    return overlap;
  }
}
