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
import io.statewall.topology.Attachment;
import io.statewall.topology.Hop;
import io.statewall.topology.Path;
import java.time.InstantSource;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.U64;

/**
 * An offload record keeps a tracked connection's match only as its MACs and VLAN beside the conntrack
 * entry, and gives back exactly the match that was written, whatever the protocol, family, tag or
 * order of recording, and whole when the entry does not say it.
 */
class OffloadRecordTest {
  private static final Attachment SRC = new Attachment(DatapathId.of(1), OFPort.of(1));
  private static final Attachment DST = new Attachment(DatapathId.of(1), OFPort.of(2));
  private static final Path PATH = new Path(SRC, DST, List.of(new Hop(DatapathId.of(1), OFPort.of(1),
      OFPort.of(2))), List.of());

  private final ShardedConnTracker ct = new ShardedConnTracker(CtConfig.defaults(),
      InstantSource.system(), List.of());
  private final OffloadTable table = new OffloadTable();

  static Stream<FrameBuilder> firstPackets() {
    return Stream.of(
        FrameBuilder.ip("10.0.0.1", "10.0.0.2").macs(0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L)
            .tcp(40000, 80, Packet.TCP_SYN),
        FrameBuilder.ip("10.0.0.1", "10.0.0.2").macs(0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L)
            .vlan(42).udp(5353, 53),
        FrameBuilder.ip("10.0.0.1", "10.0.0.2").echoRequest(7, 1),
        FrameBuilder.ip("2001:db8::1", "2001:db8::2").tcp(40001, 443, Packet.TCP_SYN),
        FrameBuilder.ip("2001:db8::1", "2001:db8::2").echoRequest(9, 1),
        FrameBuilder.ip("10.0.0.1", "10.0.0.2").protocol(132));
  }

  @ParameterizedTest
  @MethodSource("firstPackets")
  void aTrackedConnectionsMatchIsGivenBackFromItsEntryWhateverTheOrderOfRecording(FrameBuilder f) {
    Packet p = new PacketParser().parse(f.build());
    CtEntry e = track(p);
    ExactMatch m = ExactMatch.of(p).orElseThrow();
    U64 cookie = ConnectionCookie.of(m);
    assertThat(m.isOriginalOf(e)).isTrue();
    assertThat(m.reverse().orElseThrow().isOriginalOf(e)).isFalse();
    assertThat(ExactMatch.ofOriginal(e, m.ethSrc(), m.ethDst(), m.vlan())).isEqualTo(m);

    table.record(e, cookie);
    table.installed().record(connection(cookie, m));

    assertThat(table.get(cookie).keepsMatch()).isFalse();
    assertThat(table.installed().get(cookie).orElseThrow().original()).isEqualTo(m);

    // the switch side first (an adopted or promoted connection), conntrack's entry after
    OffloadTable other = new OffloadTable();
    other.installed().record(connection(cookie, m));
    assertThat(other.get(cookie).keepsMatch()).isTrue();
    other.record(e, cookie);
    assertThat(other.get(cookie).keepsMatch()).isFalse();
    assertThat(other.installed().get(cookie).orElseThrow().original()).isEqualTo(m);
  }

  @ParameterizedTest
  @MethodSource("firstPackets")
  void aConnectionOffloadedByItsReplyKeepsItsMatchAsTheEntrysReverse(FrameBuilder f) {
    Packet p = new PacketParser().parse(f.build());
    CtEntry e = track(p);
    ExactMatch reply = ExactMatch.of(p).orElseThrow().reverse().orElseThrow();
    U64 cookie = ConnectionCookie.of(reply);

    table.record(e, cookie);
    table.installed().record(connection(cookie, reply));

    assertThat(table.installed().get(cookie).orElseThrow().original()).isEqualTo(reply);
    assertThat(table.get(cookie).keepsMatch()).isFalse();
  }

  @Test
  void aMatchTheEntryDoesNotGiveIsKeptWholeAndOneWhoseEntryChangesStaysAsWritten() {
    Packet p = packet(40000);
    CtEntry e = track(p);
    ExactMatch m = ExactMatch.of(p).orElseThrow();
    ExactMatch elsewhere = ExactMatch.of(packet(40002)).orElseThrow();
    U64 cookie = ConnectionCookie.of(m);
    assertThat(elsewhere.isOriginalOf(e)).isFalse();

    table.record(e, cookie);
    table.installed().record(connection(cookie, elsewhere));
    assertThat(table.get(cookie).keepsMatch()).isTrue();
    assertThat(table.installed().get(cookie).orElseThrow().original()).isEqualTo(elsewhere);

    table.installed().record(connection(cookie, m));
    assertThat(table.get(cookie).keepsMatch()).isFalse();
    // a new connection on the cookie: what the switches carry is still the first one's match
    CtEntry next = track(packet(40004));
    table.record(next, cookie);
    assertThat(table.installed().get(cookie).orElseThrow().original()).isEqualTo(m);
    assertThat(table.get(cookie).keepsMatch()).isTrue();
  }

  @Test
  void attachmentsThatAreNotThePathsEndsAreKeptBesideADerivedMatch() {
    Packet p = packet(40000);
    CtEntry e = track(p);
    ExactMatch m = ExactMatch.of(p).orElseThrow();
    U64 cookie = ConnectionCookie.of(m);
    Attachment moved = new Attachment(DatapathId.of(1), OFPort.of(7));
    table.record(e, cookie);

    table.installed().record(new InstalledConnection(cookie, m, moved, DST,
        EnumSet.of(CtDirection.ORIGINAL), PATH));

    InstalledConnection back = table.installed().get(cookie).orElseThrow();
    assertThat(back).isEqualTo(new InstalledConnection(cookie, m, moved, DST,
        EnumSet.of(CtDirection.ORIGINAL), PATH));
    assertThat(table.get(cookie).keepsMatch()).isFalse();
  }

  @Test
  void forwardingWithoutConntrackKeepsTheMatchWhole() {
    ExactMatch m = ExactMatch.of(packet(40000)).orElseThrow();
    U64 cookie = ConnectionCookie.of(m);
    InstalledConnections alone = new InstalledConnections();

    alone.record(connection(cookie, m));

    assertThat(alone.get(cookie).orElseThrow().original()).isEqualTo(m);
    alone.forget(cookie);
    assertThat(alone.get(cookie)).isEmpty();
  }

  private static Packet packet(int sport) {
    return new PacketParser().parse(FrameBuilder.ip("10.0.0.1", "10.0.0.2")
        .macs(0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L).tcp(sport, 80, Packet.TCP_SYN).build());
  }

  private CtEntry track(Packet p) {
    CtLookup l = ct.classify(p, TrackOptions.NONE);
    ct.confirm(l);
    assertThat(l.entry().tuple(CtDirection.ORIGINAL).protocol()).isEqualTo(p.protocol());
    return l.entry();
  }

  private static InstalledConnection connection(U64 cookie, ExactMatch m) {
    return new InstalledConnection(cookie, m, SRC, DST,
        EnumSet.of(CtDirection.ORIGINAL, CtDirection.REPLY), PATH);
  }
}
