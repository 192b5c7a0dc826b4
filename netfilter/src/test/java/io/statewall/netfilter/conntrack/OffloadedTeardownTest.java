package io.statewall.netfilter.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.Packet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 16, beyond Linux: an RST or FIN trapped from an offloaded connection closes it only if its
 * sequence number is one the sender can have reached: its last seen end, plus what the switch's
 * byte counters say it may have sent since, give or take a window. One row a case: the switch
 * carried {@code packets} frames of {@code bytes} from the client, whose sequence number really
 * advanced by {@code advanced}; then the client (or someone with its 4-tuple) sends {@code flags}
 * with its sequence number moved by {@code offset} from where the client really is.
 */
class OffloadedTeardownTest {
  private final FakeClock clock = new FakeClock();

  record Row(String name, long packets, long bytes, long advanced, int flags, long offset, boolean closes) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final int RST = Packet.TCP_RST;
  static final int RST_ACK = Packet.TCP_RST | Packet.TCP_ACK;
  static final int FIN_ACK = Packet.TCP_FIN | Packet.TCP_ACK;

  static Stream<Row> rows() {
    return Stream.of(
        new Row("the client's own RST at its next byte closes", 100, 150_000, 100_000, RST, 0, true),
        new Row("its RST+ACK closes", 100, 150_000, 100_000, RST_ACK, 0, true),
        new Row("its FIN starts the close", 100, 150_000, 100_000, FIN_ACK, 0, true),
        new Row("an RST answering an old ACK (half a window back) closes", 100, 150_000, 100_000, RST, -30_000, true),
        new Row("counters the next poll has not reported yet: within a window past the bound", 100, 150_000,
            144_600 + 60_000, RST, 0, true),
        new Row("an off-path RST 2^31 away is dropped", 100, 150_000, 100_000, RST, 1L << 31, false),
        new Row("an off-path RST a megabyte ahead is dropped", 100, 150_000, 100_000, RST, 1_000_000, false),
        new Row("an off-path RST a megabyte behind is dropped", 100, 150_000, 100_000, RST, -1_000_000, false),
        new Row("an off-path FIN a megabyte ahead is dropped", 100, 150_000, 100_000, FIN_ACK, 1_000_000, false),
        new Row("nothing carried: only a window around the last seen end", 0, 0, 0, RST, 200_000, false),
        new Row("over 1 GB unseen: the range means nothing, liberal as Linux", 1_000_000, 1_500_000_000L,
            1_400_000_000L, RST, 1L << 31, true));
  }

  private ShardedConnTracker ct;
  private TcpFlow f;
  private CtEntry e;

  private CtLookup track(Packet p) {
    CtLookup l = ct.classify(p, TrackOptions.NONE);
    if (l.isUnconfirmed()) {
      ct.confirm(l);
    }
    return l;
  }

  private void offloaded() {
    ct = new ShardedConnTracker(CtConfig.defaults(), clock, List.of());
    f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 80);
    track(f.c(Packet.TCP_SYN));
    track(f.s(Packet.TCP_SYN | Packet.TCP_ACK));
    e = track(f.c(Packet.TCP_ACK)).entry();
    ct.markOffloaded(e);
    // the server's side moves too (it acknowledges), as the switch carries both directions
    ct.touch(e, 50, 50 * 54, CtDirection.REPLY);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void aTeardownClosesOnlyFromASequenceNumberTheSenderCanHaveReached(Row r) {
    offloaded();
    if (r.packets() > 0) {
      ct.touch(e, r.packets(), r.bytes(), CtDirection.ORIGINAL);
    }
    f.cSeq += r.advanced() + r.offset();
    CtLookup l = ct.classify(f.cPeek(r.flags(), ""), TrackOptions.NONE);
    if (r.closes()) {
      assertThat(l.dropNow()).as("dropped: %s", l).isFalse();
      assertThat(e.tcpStateName()).isEqualTo((r.flags() & Packet.TCP_FIN) != 0 ? "FIN_WAIT" : "CLOSE");
      assertThat(ct.stats().offloadedOutOfWindow()).isZero();
    } else {
      assertThat(l.dropNow()).as("dropped whatever the rules say").isTrue();
      assertThat(l.state()).isEqualTo(CtState.INVALID);
      assertThat(l.reason()).contains("offloaded");
      assertThat(e.tcpStateName()).isEqualTo("ESTABLISHED");
      assertThat(ct.stats().offloadedOutOfWindow()).isEqualTo(1);
      assertThat(ct.entries()).containsExactly(e);
    }
  }

  @Test
  void theConnectionGoesOnAfterADroppedRstAndItsOwnRstStillCloses() {
    offloaded();
    ct.touch(e, 10, 10 * 1514, CtDirection.ORIGINAL);
    f.cSeq += 10 * 1460;
    f.cSeq += 5_000_000;
    assertThat(ct.classify(f.cPeek(RST, ""), TrackOptions.NONE).dropNow()).as("off-path").isTrue();
    f.cSeq -= 5_000_000;
    // more data the switch carried, then the genuine RST
    ct.touch(e, 5, 5 * 1514, CtDirection.ORIGINAL);
    f.cSeq += 5 * 1460;
    assertThat(ct.classify(f.cPeek(RST_ACK, ""), TrackOptions.NONE).dropNow()).isFalse();
    assertThat(e.tcpStateName()).isEqualTo("CLOSE");
  }

  /**
   * Before any statistics round (the windows not forgotten yet), the switch carried a few bytes each
   * way and the server resets: its RST is at its real next byte, past the last ACK conntrack saw from
   * the client. It closes, as on Linux, whose flowtable clears the maximum ACK before conntrack sees
   * the RST; with the stale one kept, the RST was "not exact" and the connection stayed ESTABLISHED
   * (NetfilterDifferentialTest's "reset by the server" row on real switches).
   */
  @Test
  void anRstBeforeTheFirstStatisticsRoundClosesThoughTheLastAckConntrackSawIsStale() {
    ct = new ShardedConnTracker(CtConfig.defaults(), clock, List.of());
    f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 80);
    track(f.c(Packet.TCP_SYN));
    track(f.s(Packet.TCP_SYN | Packet.TCP_ACK));
    e = track(f.c(Packet.TCP_ACK)).entry();
    ct.markOffloaded(e);
    // in flight before the entries were in: the controller sees it, and offloads the connection again
    track(f.c(Packet.TCP_ACK | Packet.TCP_PSH, "round 1\n"));
    ct.markOffloaded(e);
    // carried by the switch: the echo, round 2 and its echo, and the client's ACKs
    f.sSeq += 16;
    f.cSeq += 8;
    CtLookup l = ct.classify(f.sPeek(RST_ACK, ""), TrackOptions.NONE);
    assertThat(l.dropNow()).isFalse();
    assertThat(e.tcpStateName()).isEqualTo("CLOSE");
  }

  @Test
  void aConnectionAdoptedFromTheSwitchesHasNoKnownEndSoAnyRstClosesIt() {
    ct = new ShardedConnTracker(CtConfig.defaults(), clock, List.of());
    CtEntry adopted = ct.adopt(CtTuple.ports("10.0.0.1", "10.0.0.2", Packet.PROTO_TCP, 40000, 80)).orElseThrow();
    ct.touch(adopted, 10, 10_000, CtDirection.ORIGINAL);
    f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 80);
    f.cSeq = 123_456_789;
    assertThat(ct.classify(f.cPeek(RST, ""), TrackOptions.NONE).dropNow()).isFalse();
    assertThat(adopted.tcpStateName()).isEqualTo("CLOSE");
  }
}
