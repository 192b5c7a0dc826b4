package io.statewall.netfilter.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Connections found running in the switches enter the table established, both ways, assured. */
class AdoptTest {
  private static final PacketParser PARSER = new PacketParser();
  private final FakeClock clock = new FakeClock();
  private final List<String> removed = new ArrayList<>();

  private ShardedConnTracker tracker(CtConfig config) {
    ShardedConnTracker ct = new ShardedConnTracker(config, clock, List.of());
    ct.addRemovalListener((e, why) -> removed.add(why.toString()));
    return ct;
  }

  private static final CtTuple WEB = CtTuple.ports("10.0.0.2", "10.0.0.1", Packet.PROTO_TCP, 40000, 80);
  private static final CtTuple DNS = CtTuple.ports("10.0.0.2", "10.0.0.1", Packet.PROTO_UDP, 40000, 53);

  static Stream<Arguments> adopted() {
    return Stream.of(
        // name, tuple, expected listing fragment, seconds it lives (Linux's established timeouts)
        Arguments.of("TCP is ESTABLISHED with 5 days to live", WEB, "tcp      6 432000 ESTABLISHED", 432_000),
        Arguments.of("UDP is an assured stream", DNS, "udp      17 120", 120));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("adopted")
  void adoptedConnectionIsEstablishedAssuredAndConfirmed(String name, CtTuple t, String listed, int seconds) {
    ShardedConnTracker ct = tracker(CtConfig.defaults());

    CtEntry e = ct.adopt(t).orElseThrow();

    assertThat(e.tuple(CtDirection.ORIGINAL)).isEqualTo(t);
    assertThat(e.status()).isEqualTo(CtEntry.SEEN_REPLY | CtEntry.ASSURED | CtEntry.CONFIRMED);
    assertThat(ct.list()).singleElement().asString().startsWith(listed).contains("[ASSURED]");
    assertThat(ct.stats().entries()).isEqualTo(1);
    clock.advanceSeconds(seconds - 1);
    assertThat(ct.entries()).as("alive just before its timeout").hasSize(1);
    clock.advanceSeconds(2);
    ct.collectExpired(Integer.MAX_VALUE);
    assertThat(ct.entries()).isEmpty();
    assertThat(removed).containsExactly("EXPIRED");
  }

  @Test
  void tracksFindsAConnectionByEitherTupleUntilItExpiresAndChangesNothing() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    assertThat(ct.tracks(DNS)).isFalse();
    ct.adopt(DNS).orElseThrow();

    assertThat(ct.tracks(DNS)).isTrue();
    assertThat(ct.tracks(CtTuple.ports("10.0.0.1", "10.0.0.2", Packet.PROTO_UDP, 53, 40000))).as("by its reply tuple")
        .isTrue();
    assertThat(ct.tracks(CtTuple.ports("10.0.0.2", "10.0.0.1", Packet.PROTO_UDP, 40001, 53))).isFalse();
    clock.advanceSeconds(CtTimeouts.linuxDefaults().udpStream() + 1);
    assertThat(ct.tracks(DNS)).as("expired").isFalse();
    assertThat(removed).as("left to the collector").isEmpty();
  }

  @Test
  void packetsWithUnknownSequenceNumbersAreEstablishedBothWays() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    ct.adopt(WEB).orElseThrow();

    CtLookup fromClient = ct.classify(tcp("10.0.0.2", "10.0.0.1", 40000, 80, 0x10, 123_456_789L), TrackOptions.NONE);
    CtLookup fromServer = ct.classify(tcp("10.0.0.1", "10.0.0.2", 80, 40000, 0x18, 987_654_321L), TrackOptions.NONE);

    assertThat(fromClient.state()).isEqualTo(CtState.ESTABLISHED);
    assertThat(fromClient.direction()).isEqualTo(CtDirection.ORIGINAL);
    assertThat(fromServer.state()).isEqualTo(CtState.ESTABLISHED);
    assertThat(fromServer.direction()).isEqualTo(CtDirection.REPLY);
  }

  @Test
  void finAfterAdoptionClosesTheConnectionAsLinuxWould() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    CtEntry e = ct.adopt(WEB).orElseThrow();

    ct.classify(tcp("10.0.0.2", "10.0.0.1", 40000, 80, 0x11, 5_000L), TrackOptions.NONE);

    assertThat(e.tcpStateName()).isEqualTo("FIN_WAIT");
  }

  @Test
  void adoptingEitherDirectionOfATrackedConnectionReturnsIt() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    CtEntry first = ct.adopt(WEB).orElseThrow();

    CtTuple reverse = CtTuple.ports("10.0.0.1", "10.0.0.2", Packet.PROTO_TCP, 80, 40000);
    assertThat(ct.adopt(WEB)).containsSame(first);
    assertThat(ct.adopt(reverse)).containsSame(first);
    assertThat(ct.stats().entries()).isEqualTo(1);
    assertThat(ct.stats().created()).isEqualTo(1);
  }

  @Test
  void aConnectionTrackedFromPacketsIsKeptAsItIs() {
    ShardedConnTracker ct = tracker(CtConfig.defaults());
    CtLookup syn = ct.classify(tcp("10.0.0.2", "10.0.0.1", 40000, 80, 0x02, 1L), TrackOptions.NONE);
    ct.confirm(syn);

    assertThat(ct.adopt(WEB)).containsSame(syn.entry());
    assertThat(syn.entry().tcpStateName()).as("not forced to ESTABLISHED").isEqualTo("SYN_SENT");
  }

  @Test
  void aTableFullOfAssuredConnectionsRefusesAdoption() {
    ShardedConnTracker ct = tracker(CtConfig.defaults().withMaxEntries(2));
    ct.adopt(CtTuple.ports("10.0.0.3", "10.0.0.1", Packet.PROTO_TCP, 1, 80)).orElseThrow();
    ct.adopt(CtTuple.ports("10.0.0.4", "10.0.0.1", Packet.PROTO_TCP, 1, 80)).orElseThrow();

    assertThat(ct.adopt(WEB)).isEmpty();
    assertThat(ct.stats().entries()).isEqualTo(2);
    assertThat(ct.stats().insertFailed()).isEqualTo(1);
  }

  @Test
  void adoptionEarlyDropsAnUnassuredConnectionWhenFull() {
    ShardedConnTracker ct = tracker(CtConfig.defaults().withMaxEntries(1));
    ct.confirm(ct.classify(tcp("10.0.0.9", "10.0.0.1", 1, 22, 0x02, 1L), TrackOptions.NONE));

    assertThat(ct.adopt(WEB)).isPresent();
    assertThat(ct.entries()).singleElement().extracting(e -> e.tuple(CtDirection.ORIGINAL)).isEqualTo(WEB);
    assertThat(removed).containsExactly("EARLY_DROP");
  }

  private static Packet tcp(String src, String dst, int sport, int dport, int flags, long seq) {
    return PARSER.parse(FrameBuilder.ip(src, dst).tcp(sport, dport, flags).seq(seq).ack(1).window(1000).build());
  }
}
