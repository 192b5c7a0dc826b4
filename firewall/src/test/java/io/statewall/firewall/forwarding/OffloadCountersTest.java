package io.statewall.firewall.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtLookup;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.TrackOptions;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologySettings;
import io.statewall.topology.fakes.FakeSwitch;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFFlowStatsReply;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.U64;

/** A UDP flow carried by the switches stays in conntrack while its counters keep rising. */
class OffloadCountersTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  private final ShardedConnTracker tracker = new ShardedConnTracker(CtConfig.defaults(), clock, List.of());
  private final PacketParser parser = new PacketParser();
  private final OffloadTable offloads = new OffloadTable();
  private final FakeSwitch sw = FakeSwitch.of13(1, 1, 2);
  private final OffloadCounters refresher = new OffloadCounters(
      TopologyApp.create(TopologySettings.DEFAULTS).service(), offloads, tracker::touch, 0);

  private Packet udp(String src, String dst, int sport, int dport, long srcMac, long dstMac) {
    return parser.parse(FrameBuilder.ip(src, dst).macs(srcMac, dstMac).udp(sport, dport).build());
  }

  private CtEntry establishedUdp() {
    Packet out = udp("10.0.0.1", "10.0.0.2", 5000, 53, 1, 2);
    CtLookup first = tracker.classify(out, TrackOptions.NONE);
    tracker.confirm(first);
    CtLookup reply = tracker.classify(udp("10.0.0.2", "10.0.0.1", 53, 5000, 2, 1), TrackOptions.NONE);
    tracker.confirm(reply);
    offloads.record(reply.entry(), FlowKey.of(out).orElseThrow().cookie());
    return reply.entry();
  }

  private List<OFFlowStatsReply> stats(Packet p, int inPort, long packets) {
    OFFactory f = sw.factory();
    ExactMatch m = ExactMatch.of(p).orElseThrow();
    U64 cookie = ConnectionCookie.of(m);
    return List.of(f.buildFlowStatsReply().setEntries(List.of(f.buildFlowStatsEntry().setCookie(cookie)
        .setMatch(m.toMatch(f, OFPort.of(inPort)).orElseThrow()).setPacketCount(U64.of(packets))
        .setByteCount(U64.of(packets * 100)).build())).build());
  }

  @Test
  void anEntryThatIdlesOutAddsOnlyWhatTheStatisticsRoundsHadNotCounted() {
    CtEntry e = establishedUdp();
    long bytesBefore = e.bytes(CtDirection.ORIGINAL);
    Packet out = udp("10.0.0.1", "10.0.0.2", 5000, 53, 1, 2);
    refresher.apply(sw, stats(out, 1, 40));
    assertThat(e.packets(CtDirection.ORIGINAL)).isEqualTo(1 + 40);
    ExactMatch m = ExactMatch.of(out).orElseThrow();
    OFFactory f = sw.factory();

    // its FLOW_REMOVED carries the entry's whole life: 45 packets, 40 of them read already
    refresher.removed(sw.id(), f.buildFlowRemoved().setCookie(ConnectionCookie.of(m))
        .setMatch(m.toMatch(f, OFPort.of(1)).orElseThrow()).setReason(org.projectfloodlight.openflow
            .protocol.OFFlowRemovedReason.IDLE_TIMEOUT).setPacketCount(U64.of(45)).setByteCount(U64.of(4500))
        .build());

    assertThat(e.packets(CtDirection.ORIGINAL)).isEqualTo(1 + 45);
    assertThat(e.bytes(CtDirection.ORIGINAL)).isEqualTo(bytesBefore + 4500);
  }

  @Test
  void risingCountersRefreshTheConnectionAndCountItsPackets() {
    CtEntry e = establishedUdp();
    long expiresBefore = e.expiresAtMillis();
    Packet out = udp("10.0.0.1", "10.0.0.2", 5000, 53, 1, 2);

    now.addAndGet(100_000); // 100 s later: the switch carried 40 packets meanwhile
    refresher.apply(sw, stats(out, 1, 40));
    assertThat(e.packets(CtDirection.ORIGINAL)).isEqualTo(1 + 40);
    assertThat(e.expiresAtMillis()).isGreaterThan(expiresBefore + 90_000);

    long expiresNow = e.expiresAtMillis();
    now.addAndGet(10_000);
    refresher.apply(sw, stats(out, 1, 40)); // no new packets: no refresh
    assertThat(e.expiresAtMillis()).isEqualTo(expiresNow);
    assertThat(e.packets(CtDirection.ORIGINAL)).isEqualTo(41);
  }

  /**
   * An offloaded TCP direction is an entry and, at its ingress, FIN/SYN/RST traps with the same
   * cookie and the same port: a flow-statistics reply holds all four. The traps' packets went to the
   * controller, which counted them already; and read as the entry's, their low counts looked like a
   * rewritten entry, so the entry's whole count was added again at every round.
   */
  @Test
  void trapsAtTheIngressDoNotCountAndDoNotRestartTheEntrysCount() {
    CtEntry e = establishedUdp();
    Packet out = udp("10.0.0.1", "10.0.0.2", 5000, 53, 1, 2);
    refresher.apply(sw, withTraps(out, 1, 40));
    refresher.apply(sw, withTraps(out, 1, 50));
    refresher.apply(sw, withTraps(out, 1, 50));
    assertThat(e.packets(CtDirection.ORIGINAL)).isEqualTo(1 + 50);
  }

  private List<OFFlowStatsReply> withTraps(Packet p, int inPort, long packets) {
    OFFactory f = sw.factory();
    ExactMatch m = ExactMatch.of(p).orElseThrow();
    U64 cookie = ConnectionCookie.of(m);
    List<OFFlowStatsEntry> entries = new ArrayList<>(stats(p, inPort, packets).get(0).getEntries());
    var toController = List.<org.projectfloodlight.openflow.protocol.instruction.OFInstruction>of(
        f.instructions().applyActions(List.of(f.actions().output(OFPort.CONTROLLER, 0xFFFF))));
    // the trap below the entry, and the three above it that statewall wrote before session 10
    entries.add(f.buildFlowStatsEntry().setCookie(cookie).setPriority(99)
        .setMatch(m.toMatch(f, OFPort.of(inPort)).orElseThrow()).setInstructions(toController)
        .setPacketCount(U64.of(2)).setByteCount(U64.of(120)).build());
    for (int flag : new int[] {0x01, 0x02, 0x04}) {
      entries.add(f.buildFlowStatsEntry().setCookie(cookie).setPriority(101)
          .setMatch(m.withTcpFlag(f, OFPort.of(inPort), flag)).setInstructions(toController)
          .setPacketCount(U64.of(flag)).setByteCount(U64.of(flag * 60)).build());
    }
    return List.of(f.buildFlowStatsReply().setEntries(entries).build());
  }

  @Test
  void aReplyDirectionEntryCountsAsReply() {
    CtEntry e = establishedUdp();
    Packet back = udp("10.0.0.2", "10.0.0.1", 53, 5000, 2, 1);
    refresher.apply(sw, stats(back, 2, 7));
    assertThat(e.packets(CtDirection.REPLY)).isEqualTo(1 + 7);
  }

  @Test
  void countersThatWentDownBelongToANewEntryAndCountWhole() {
    CtEntry e = establishedUdp();
    Packet out = udp("10.0.0.1", "10.0.0.2", 5000, 53, 1, 2);
    refresher.apply(sw, stats(out, 1, 40));
    refresher.apply(sw, stats(out, 1, 5)); // the entry was rewritten (a reroute) and counts from 0
    assertThat(e.packets(CtDirection.ORIGINAL)).isEqualTo(1 + 40 + 5);
    assertThat(e.bytes(CtDirection.ORIGINAL)).isGreaterThanOrEqualTo(4500);
  }

  @Test
  void aConnectionNoLongerOffloadedIsNotCountedAndKeepsNoState() {
    CtEntry e = establishedUdp();
    assertThat(offloads.forget(e)).isPresent();
    assertThat(e.offload()).isNull();
    refresher.apply(sw, stats(udp("10.0.0.1", "10.0.0.2", 5000, 53, 1, 2), 1, 40));
    assertThat(e.packets(CtDirection.ORIGINAL)).isEqualTo(1);
  }

  @Test
  void anOffloadedUdpStreamPastItsFirstTwoSecondsBecomesAssuredWithTheStreamTimeout() {
    CtEntry e = establishedUdp();
    assertThat(e.hasStatus(CtEntry.ASSURED)).as("replied within its first 2 s: not yet a stream").isFalse();
    Packet out = udp("10.0.0.1", "10.0.0.2", 5000, 53, 1, 2);

    now.addAndGet(3_000); // the switch carried 40 more packets in the next 3 s
    refresher.apply(sw, stats(out, 1, 40));

    assertThat(e.hasStatus(CtEntry.ASSURED)).as("Linux: seen both ways and still going after 2 s").isTrue();
    assertThat(e.expiresAtMillis()).as("nf_conntrack_udp_timeout_stream, 120 s").isEqualTo(now.get() + 120_000);
  }
}
