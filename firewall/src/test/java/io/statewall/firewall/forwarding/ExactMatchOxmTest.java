package io.statewall.firewall.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.Packet;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.projectfloodlight.openflow.exceptions.OFParseError;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.ICMPv4Code;
import org.projectfloodlight.openflow.types.ICMPv4Type;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.IpProtocol;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.OFVlanVidMatch;
import org.projectfloodlight.openflow.types.TransportPort;
import org.projectfloodlight.openflow.types.OFValueType;
import org.projectfloodlight.openflow.types.U16;
import org.projectfloodlight.openflow.types.U64;
import org.projectfloodlight.openflow.types.U8;

/**
 * The match that {@link ExactMatch#toMatch} writes straight onto the wire ({@link ConnectionMatch}) is
 * the match openflowj's builder makes field by field: equal, and the same bytes on the wire, in every
 * OpenFlow 1.3+ version; and a trap's, with its TCP flag.
 */
class ExactMatchOxmTest {
  private static final MacAddress A = MacAddress.of("02:00:00:00:03:01");
  private static final MacAddress B = MacAddress.of("02:00:00:00:04:02");
  private static final IPv4Address V4A = IPv4Address.of("10.0.3.1");
  private static final IPv4Address V4B = IPv4Address.of("10.0.4.2");
  private static final IPv6Address V6A = IPv6Address.of("2001:db8::1");
  private static final IPv6Address V6B = IPv6Address.of("2001:db8::2");

  static Stream<Arguments> matches() {
    return Stream.of(
        Arguments.of("IPv4 TCP", new ExactMatch(Packet.ETH_IPV4, A, B, -1, V4A, V4B, 6, 40000, 80, -1, -1)),
        Arguments.of("IPv4 UDP", new ExactMatch(Packet.ETH_IPV4, A, B, -1, V4A, V4B, 17, 5353, 53, -1, -1)),
        Arguments.of("ICMP echo", new ExactMatch(Packet.ETH_IPV4, A, B, -1, V4A, V4B, 1, -1, -1, 8, 0)),
        Arguments.of("IPv4 TCP on VLAN 42", new ExactMatch(Packet.ETH_IPV4, A, B, 42, V4A, V4B, 6, 1, 2, -1, -1)),
        Arguments.of("another protocol (GRE)", new ExactMatch(Packet.ETH_IPV4, A, B, -1, V4A, V4B, 47, -1, -1, -1, -1)),
        Arguments.of("IPv6 TCP", new ExactMatch(Packet.ETH_IPV6, A, B, -1, V6A, V6B, 6, 40000, 443, -1, -1)),
        Arguments.of("ICMPv6 echo", new ExactMatch(Packet.ETH_IPV6, A, B, -1, V6A, V6B, 58, -1, -1, 128, 0)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matches")
  void oxmListEqualsTheBuildersMatch(String name, ExactMatch m) {
    for (OFVersion v : new OFVersion[] {OFVersion.OF_13, OFVersion.OF_14, OFVersion.OF_15}) {
      OFFactory f = OFFactories.getFactory(v);
      Match fast = m.toMatch(f, OFPort.of(3)).orElseThrow();
      Match reference = builderMatch(f, m, OFPort.of(3));
      assertThat(fast).as("%s", v).isEqualTo(reference);
      assertThat(bytes(fast)).as("%s on the wire", v).isEqualTo(bytes(reference));
    }
  }

  /** A trap's match (the connection's plus one TCP flag) is the one the builder made by copying and adding. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("matches")
  void trapMatchEqualsTheBuildersCopyWithTheFlag(String name, ExactMatch m) {
    for (OFVersion v : new OFVersion[] {OFVersion.OF_13, OFVersion.OF_14, OFVersion.OF_15}) {
      OFFactory f = OFFactories.getFactory(v);
      MatchField<U16> field = v == OFVersion.OF_15 ? MatchField.TCP_FLAGS : MatchField.OVS_TCP_FLAGS;
      for (int flag : new int[] {0x01, 0x02, 0x04}) {
        Match fast = m.withTcpFlag(f, OFPort.of(3), flag);
        Match reference = copy(f, builderMatch(f, m, OFPort.of(3))).setMasked(field, U16.of(flag), U16.of(flag))
            .build();
        assertThat(fast).as("%s flag %d", v, flag).isEqualTo(reference);
        assertThat(bytes(fast)).as("%s flag %d on the wire", v, flag).isEqualTo(bytes(reference));
      }
    }
  }

  /**
   * Any connection the packet path offloads (random MACs, addresses, VLAN or none, ports, ICMP
   * types, every trap flag): the match written straight onto the wire is openflowj's, byte for byte,
   * inside a whole flow-add too, and what a switch decodes from it is openflowj's match.
   */
  @Property(tries = 400)
  void writtenMatchIsOpenflowjsOnTheWire(@ForAll("anyMatch") ExactMatch m, @ForAll @IntRange(min = 1, max = 0xfff0) int port,
      @ForAll("flag") int flag, @ForAll("version") OFVersion v) {
    OFFactory f = OFFactories.getFactory(v);
    Match fast = flag == 0 ? m.toMatch(f, OFPort.of(port)).orElseThrow() : m.withTcpFlag(f, OFPort.of(port), flag);
    Match reference = flag == 0 ? builderMatch(f, m, OFPort.of(port))
        : copy(f, builderMatch(f, m, OFPort.of(port))).setMasked(
            v == OFVersion.OF_15 ? MatchField.TCP_FLAGS : MatchField.OVS_TCP_FLAGS, U16.of(flag), U16.of(flag)).build();
    assertThat(bytes(fast)).isEqualTo(bytes(reference));
    assertThat(fast).isEqualTo(reference);
    assertThat(fast.hashCode()).isEqualTo(reference.hashCode());
    OFFlowAdd ours = f.buildFlowAdd().setMatch(fast).setPriority(100).setCookie(U64.of(7))
        .setInstructions(List.of(f.instructions().applyActions(List.of(f.actions().output(OFPort.of(2), 0xffff)))))
        .build();
    OFFlowAdd theirs = ours.createBuilder().setMatch(reference).build();
    ByteBuf wire = Unpooled.buffer();
    ours.writeTo(wire);
    ByteBuf expected = Unpooled.buffer();
    theirs.writeTo(expected);
    assertThat(wire).isEqualTo(expected);
    OFMessage decoded;
    try {
      decoded = f.getReader().readFrom(wire);
    } catch (OFParseError e) {
      throw new AssertionError(e);
    }
    assertThat(decoded).isEqualTo(theirs);
  }

  @Provide
  Arbitrary<ExactMatch> anyMatch() {
    Arbitrary<MacAddress> mac = Arbitraries.longs().between(0, 0xffff_ffff_ffffL).map(MacAddress::of);
    Arbitrary<Integer> vlan = Arbitraries.oneOf(Arbitraries.just(-1), Arbitraries.integers().between(0, 4095));
    Arbitrary<Integer> portNo = Arbitraries.integers().between(0, 65535);
    Arbitrary<ExactMatch> v4 = Combinators.combine(mac, mac, vlan, Arbitraries.integers(), Arbitraries.integers(),
        Arbitraries.of(6, 17, 1, 47, 132), portNo, portNo).as((a, b, vl, s, d, proto, sp, dp) -> {
          boolean ports = proto == 6 || proto == 17;
          boolean icmp = proto == 1;
          return new ExactMatch(Packet.ETH_IPV4, a, b, vl, IPv4Address.of(s), IPv4Address.of(d), proto,
              ports ? sp : -1, ports ? dp : -1, icmp ? sp & 0xff : -1, icmp ? dp & 0xff : -1);
        });
    Arbitrary<ExactMatch> v6 = Combinators.combine(mac, mac, vlan, Arbitraries.longs(), Arbitraries.longs(),
        Arbitraries.of(6, 17, 58, 47), portNo, portNo).as((a, b, vl, hi, lo, proto, sp, dp) -> {
          boolean ports = proto == 6 || proto == 17;
          boolean icmp = proto == 58;
          return new ExactMatch(Packet.ETH_IPV6, a, b, vl, IPv6Address.of(hi, lo), IPv6Address.of(lo, hi ^ 1),
              proto, ports ? sp : -1, ports ? dp : -1, icmp ? sp & 0xff : -1, icmp ? dp & 0xff : -1);
        });
    return Arbitraries.oneOf(v4, v6);
  }

  @Provide
  Arbitrary<Integer> flag() {
    return Arbitraries.of(0, 0x01, 0x02, 0x04);
  }

  @Provide
  Arbitrary<OFVersion> version() {
    return Arbitraries.of(OFVersion.OF_13, OFVersion.OF_14, OFVersion.OF_15);
  }

  /** The copy the traps were built from before ({@code Match.createBuilder()} starts empty in openflowj). */
  private static Match.Builder copy(OFFactory f, Match m) {
    Match.Builder b = f.buildMatch();
    for (MatchField<?> field : m.getMatchFields()) {
      copyField(b, m, field);
    }
    return b;
  }

  private static <T extends OFValueType<T>> void copyField(Match.Builder b, Match m, MatchField<T> field) {
    b.setExact(field, m.get(field));
  }

  /** The field-by-field build the OXM list replaced. */
  private static Match builderMatch(OFFactory f, ExactMatch m, OFPort in) {
    Match.Builder b = f.buildMatch()
        .setExact(MatchField.IN_PORT, in)
        .setExact(MatchField.ETH_SRC, m.ethSrc())
        .setExact(MatchField.ETH_DST, m.ethDst())
        .setExact(MatchField.ETH_TYPE, EthType.of(m.ethType()));
    if (m.vlan() >= 0) {
      b.setExact(MatchField.VLAN_VID, OFVlanVidMatch.ofVlan(m.vlan()));
    }
    if (m.family() == Family.IPV6) {
      b.setExact(MatchField.IPV6_SRC, (IPv6Address) m.src()).setExact(MatchField.IPV6_DST, (IPv6Address) m.dst());
    } else {
      b.setExact(MatchField.IPV4_SRC, (IPv4Address) m.src()).setExact(MatchField.IPV4_DST, (IPv4Address) m.dst());
    }
    b.setExact(MatchField.IP_PROTO, IpProtocol.of((short) m.ipProto()));
    if (m.ipProto() == 6) {
      b.setExact(MatchField.TCP_SRC, TransportPort.of(m.srcPort())).setExact(MatchField.TCP_DST, TransportPort.of(m.dstPort()));
    } else if (m.ipProto() == 17) {
      b.setExact(MatchField.UDP_SRC, TransportPort.of(m.srcPort())).setExact(MatchField.UDP_DST, TransportPort.of(m.dstPort()));
    } else if (m.ipProto() == 1) {
      b.setExact(MatchField.ICMPV4_TYPE, ICMPv4Type.of((short) m.icmpType()))
          .setExact(MatchField.ICMPV4_CODE, ICMPv4Code.of((short) m.icmpCode()));
    } else if (m.ipProto() == 58) {
      b.setExact(MatchField.ICMPV6_TYPE, U8.of((short) m.icmpType())).setExact(MatchField.ICMPV6_CODE, U8.of((short) m.icmpCode()));
    }
    return b.build();
  }

  private static byte[] bytes(Match m) {
    ByteBuf buf = Unpooled.buffer();
    m.writeTo(buf);
    byte[] b = new byte[buf.readableBytes()];
    buf.readBytes(b);
    return b;
  }
}
