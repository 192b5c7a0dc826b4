package io.statewall.netfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** xt_conntrack's tuple tests (revision 3): one row a behaviour, on both evaluators. */
class ConntrackMatchTest {
  // a connection 10.0.0.1:40000 -> 10.9.9.9:443, whose reply comes from 192.168.5.5:8443 (as after DNAT)
  private static final Packet REPLY = Packet.builder().addresses("192.168.5.5", "10.0.0.1").tcp(8443, 40000, 0x10).build();

  static ConnInfo conn(CtDirection dir) {
    return new ConnInfo.Of(CtState.ESTABLISHED, dir, ConnInfo.SEEN_REPLY, IpAddress.parse("10.0.0.1"),
        IpAddress.parse("10.9.9.9"), IpAddress.parse("192.168.5.5"), IpAddress.parse("10.0.0.1"), 6, null,
        40000, 443, 8443, 40000);
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of("--ctdir REPLY matches reply packets", "--ctdir REPLY", CtDirection.REPLY, true),
        Arguments.of("--ctdir REPLY does not match original packets", "--ctdir REPLY", CtDirection.ORIGINAL, false),
        Arguments.of("--ctdir ORIGINAL matches original packets", "--ctdir ORIGINAL", CtDirection.ORIGINAL, true),
        Arguments.of("--ctorigdstport tests the original destination port", "--ctorigdstport 443", CtDirection.REPLY, true),
        Arguments.of("--ctorigsrcport takes a range", "--ctorigsrcport 32768:60999", CtDirection.REPLY, true),
        Arguments.of("--ctreplsrcport tests the reply source port", "--ctreplsrcport 8443", CtDirection.REPLY, true),
        Arguments.of("--ctrepldstport misses another port", "--ctrepldstport 1:1023", CtDirection.REPLY, false),
        Arguments.of("! inverts a port test", "! --ctorigdstport 80", CtDirection.REPLY, true),
        Arguments.of("a reversed range matches nothing", "--ctorigdstport 500:400", CtDirection.REPLY, false),
        Arguments.of("--ctreplsrc tests the reply source address", "--ctreplsrc 192.168.0.0/16", CtDirection.ORIGINAL, true),
        Arguments.of("--ctrepldst tests the reply destination", "--ctrepldst 10.0.0.2", CtDirection.ORIGINAL, false),
        Arguments.of("! --ctrepldst inverts", "! --ctrepldst 10.0.0.2", CtDirection.ORIGINAL, true),
        Arguments.of("all tests must hold", "--ctdir REPLY --ctorigdstport 443 --ctreplsrc 10.0.0.0/8",
            CtDirection.REPLY, false),
        Arguments.of("a connection without known ports matches no port test", "--ctorigdstport 0:65535", null, false),
        Arguments.of("untracked traffic matches no tuple test", "--ctdir ORIGINAL", CtDirection.ORIGINAL, false)
    );
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void tupleTestsFollowXtConntrack(String name, String options, CtDirection dir, boolean matches)
      throws RuleSyntaxException {
    ConnInfo ct = dir == null
        ? new ConnInfo.Of(CtState.ESTABLISHED, CtDirection.REPLY, 0, IpAddress.parse("10.0.0.1"),
            IpAddress.parse("10.9.9.9"), IpAddress.parse("192.168.5.5"), IpAddress.parse("10.0.0.1"), 6, null)
        : name.startsWith("untracked") ? ConnInfo.UNTRACKED : conn(dir);
    RuleTable t = new RuleFileReader(() -> 0L).parse("c.rules", "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m conntrack "
        + options + " -j ACCEPT\nCOMMIT\n", Family.IPV4).table(TableName.FILTER);
    for (TableEvaluator ev : new TableEvaluator[] {new LinearInterpreter(t), new CompiledTable(t)}) {
      Outcome o = ev.evaluate("FORWARD", REPLY, ct, Attachments.HOST);
      assertThat(o.verdict()).as(ev.getClass().getSimpleName()).isEqualTo(matches ? Verdict.ACCEPT : Verdict.DROP);
      assertThat(o.offloadable()).as("tuple tests are constant for a connection").isTrue();
    }
  }
}
