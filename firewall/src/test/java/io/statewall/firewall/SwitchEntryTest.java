package io.statewall.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.fakes.TestFrames;
import io.statewall.netfilter.packet.Packet;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.IpProtocol;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/** Reading flow entries back from a switch: ours are recognised, anything else (forged, odd) is not. */
class SwitchEntryTest {
  static final OFFactory F = OFFactories.getFactory(OFVersion.OF_13);
  static final int P = 100;

  static ExactMatch tcp() {
    return new ExactMatch(Packet.ETH_IPV4, TestFrames.mac(2), TestFrames.mac(1), -1, IPv4Address.of("10.0.0.2"),
        IPv4Address.of("10.0.0.1"), Packet.PROTO_TCP, 40000, 22, -1, -1);
  }

  static ExactMatch udp6() {
    return new ExactMatch(Packet.ETH_IPV6, TestFrames.mac(2), TestFrames.mac(1), 7, IPv6Address.of("fd00::2"),
        IPv6Address.of("fd00::1"), Packet.PROTO_UDP, 5353, 53, -1, -1);
  }

  static OFFlowStatsEntry entry(ExactMatch m, Function<OFFlowStatsEntry.Builder, OFFlowStatsEntry.Builder> tweak) {
    OFFlowStatsEntry.Builder b = F.buildFlowStatsEntry().setTableId(TableId.ZERO).setPriority(P)
        .setCookie(ConnectionCookie.of(m)).setMatch(m.toMatch(F, OFPort.of(2)).orElseThrow())
        .setInstructions(List.of(F.instructions().applyActions(List.of(F.actions().output(OFPort.of(1), 0xFFFF)))));
    return tweak.apply(b).build();
  }

  static Match masked() {
    return F.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(2))
        .setExact(MatchField.ETH_TYPE, org.projectfloodlight.openflow.types.EthType.IPv4)
        .setMasked(MatchField.IPV4_SRC, IPv4Address.of("10.0.0.0"), IPv4Address.of("255.0.0.0"))
        .setExact(MatchField.IPV4_DST, IPv4Address.of("10.0.0.1"))
        .setExact(MatchField.IP_PROTO, IpProtocol.TCP).build();
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of("our TCP entry", entry(tcp(), b -> b), Optional.of(tcp())),
        Arguments.of("our IPv6 UDP entry with a VLAN", entry(udp6(), b -> b), Optional.of(udp6())),
        Arguments.of("a cookie without our tag", entry(tcp(), b -> b.setCookie(U64.of(7))), Optional.empty()),
        Arguments.of("our tag but another connection's cookie",
            entry(tcp(), b -> b.setCookie(ConnectionCookie.of(udp6()))), Optional.empty()),
        Arguments.of("our cookie at a priority we never use", entry(tcp(), b -> b.setPriority(5)), Optional.empty()),
        Arguments.of("a masked address", entry(tcp(), b -> b.setMatch(masked())), Optional.empty()),
        Arguments.of("no in_port", entry(tcp(), b -> b.setMatch(F.buildMatch()
            .setExact(MatchField.ETH_TYPE, org.projectfloodlight.openflow.types.EthType.IPv4).build())), Optional.empty()),
        Arguments.of("the table-miss", F.buildFlowStatsEntry().setTableId(TableId.ZERO).setPriority(0)
            .setMatch(F.matchWildcardAll()).build(), Optional.empty()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void readsOnlyWhatWeWrite(String name, OFFlowStatsEntry s, Optional<ExactMatch> expected) {
    assertThat(SwitchEntry.of(s, P).map(SwitchEntry::match)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void aTrapSendsToTheControllerBelowTheEntryOrAboveItAndADropEntryHasNoOutput() {
    var toController = List.<org.projectfloodlight.openflow.protocol.instruction.OFInstruction>of(
        F.instructions().applyActions(List.of(F.actions().output(OFPort.CONTROLLER, 0xFFFF))));
    assertThat(SwitchEntry.of(entry(tcp(), b -> b.setPriority(P - 1).setInstructions(toController)), P))
        .as("this session's trap, one below").hasValueSatisfying(e -> {
          assertThat(e.trap()).isTrue();
          assertThat(e.inPort()).isEqualTo(OFPort.of(2));
        });
    assertThat(SwitchEntry.of(entry(tcp(), b -> b.setPriority(P + 1).setInstructions(toController)), P))
        .as("a trap of statewall before session 10, one above").hasValueSatisfying(e -> assertThat(e.trap()).isTrue());
    assertThat(SwitchEntry.of(entry(tcp(), b -> b.setPriority(P - 1)), P))
        .as("beside the entries' priority, an entry that forwards is not ours").isEmpty();
    assertThat(SwitchEntry.of(entry(tcp(), b -> b.setInstructions(List.of())), P))
        .hasValueSatisfying(e -> assertThat(e.output()).isNull());
    assertThat(SwitchEntry.of(entry(tcp(), b -> b), P)).hasValueSatisfying(e -> assertThat(e.output()).isEqualTo(OFPort.of(1)));
    assertThat(SwitchEntry.isTableMiss(F.buildFlowStatsEntry().setPriority(0).setMatch(F.matchWildcardAll()).build())).isTrue();
    assertThat(SwitchEntry.isTableMiss(entry(tcp(), b -> b.setPriority(0)))).isFalse();
  }
}
