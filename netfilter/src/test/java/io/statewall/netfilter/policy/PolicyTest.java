package io.statewall.netfilter.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.rules.ConnInfo;
import io.statewall.netfilter.rules.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyTest {
  static Path seed() throws Exception {
    return Path.of(PolicyTest.class.getResource("seed/policy.yaml").toURI());
  }

  static Policy policy() throws Exception {
    return new PolicyLoader().load(seed());
  }

  static ConnInfo ct(Packet p, CtState s, CtDirection d) {
    return new ConnInfo.Of(s, d, 0, d == CtDirection.ORIGINAL ? p.src() : p.dst(),
        d == CtDirection.ORIGINAL ? p.dst() : p.src(), null, null, p.protocol(), null);
  }

  static PathContext path(Policy pol, Packet p, SwitchPort in) {
    return new PathContext(pol.hostFor(p.src()), pol.hostFor(p.dst()), in, new SwitchPort("2", "s2", 1));
  }

  static final SwitchPort S1P1 = new SwitchPort("1", "s1", 1);

  static Stream<Arguments> seedTraffic() {
    Packet sshIn = Packet.builder().addresses("10.0.1.5", "10.0.0.2").tcp(40000, 22, 0x02).build();
    Packet sshBack = Packet.builder().addresses("10.0.0.2", "10.0.1.5").tcp(22, 40000, 0x12).build();
    Packet ftpCtl = Packet.builder().addresses("10.0.0.1", "10.0.0.2").tcp(40001, 21, 0x02).build();
    Packet activeData = Packet.builder().addresses("10.0.0.2", "10.0.0.1").tcp(20, 40100, 0x02).build();
    Packet smtpIn = Packet.builder().addresses("10.0.1.5", "10.0.0.2").tcp(40000, 25, 0x02).build();
    Packet telnet = Packet.builder().addresses("10.0.1.5", "10.0.1.6").tcp(40000, 23, 0x02).build();
    return Stream.of(
        Arguments.of("new ssh to the server is accepted", sshIn, CtState.NEW, CtDirection.ORIGINAL, Verdict.ACCEPT,
            "host 10.0.0.2 rules"),
        Arguments.of("the server's reply is established; the last rule set walked is named", sshBack,
            CtState.ESTABLISHED, CtDirection.REPLY, Verdict.ACCEPT, "network rules"),
        Arguments.of("smtp to the server hits its INPUT policy", smtpIn, CtState.NEW, CtDirection.ORIGINAL, Verdict.DROP,
            "host 10.0.0.2 rules"),
        Arguments.of("desktop's FTP control goes out but the server's INPUT drops port 21", ftpCtl, CtState.NEW,
            CtDirection.ORIGINAL, Verdict.DROP, "host 10.0.0.2 rules"),
        Arguments.of("active FTP data is RELATED into the desktop but the server's OUTPUT drops it", activeData,
            CtState.RELATED, CtDirection.ORIGINAL, Verdict.DROP, "host 10.0.0.2 rules"),
        Arguments.of("the network's FORWARD rejects telnet between unfiltered hosts", telnet, CtState.NEW,
            CtDirection.ORIGINAL, Verdict.REJECT, "network rules"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("seedTraffic")
  void aPacketMeetsOutputForwardInput(String name, Packet p, CtState s, CtDirection d, Verdict v, String ruleSet)
      throws Exception {
    Policy pol = policy();
    FilterDecision f = pol.filter(p, ct(p, s, d), path(pol, p, S1P1));
    assertThat(f.verdict()).isEqualTo(v);
    assertThat(f.decidedBy().ruleSet()).isEqualTo(ruleSet);
    if (v == Verdict.REJECT) {
      assertThat(f.rejectWith()).isEqualTo("tcp-reset");
      assertThat(f.decidedBy().line()).isEqualTo(11);
    }
  }

  @Test
  void networkInterfacesAreSwitchPorts() throws Exception {
    Policy pol = policy();
    Packet p = Packet.builder().addresses("10.0.1.5", "10.0.1.6").udp(5000, 53).build();
    ConnInfo c = ct(p, CtState.NEW, CtDirection.ORIGINAL);
    assertThat(pol.filter(p, c, path(pol, p, new SwitchPort("1", "s1", 4))).verdict()).isEqualTo(Verdict.DROP);
    assertThat(pol.filter(p, c, path(pol, p, new SwitchPort("00000001", null, 4))).verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(pol.filter(p, c, path(pol, p, S1P1)).verdict()).isEqualTo(Verdict.ACCEPT);
  }

  @Test
  void rawPhaseAttachesTheFtpHelperAndNotrack() throws Exception {
    Policy pol = policy();
    Packet ftp = Packet.builder().addresses("10.0.0.1", "10.0.0.2").tcp(40001, 21, 0x02).build();
    Packet ntp = Packet.builder().addresses("10.0.0.1", "10.0.0.2").udp(123, 123).build();
    assertThat(pol.raw(ftp, path(pol, ftp, S1P1)).helper()).isEqualTo("ftp");
    RawDecision n = pol.raw(ntp, path(pol, ntp, S1P1));
    assertThat(n.notrack()).isTrue();
    assertThat(n.helper()).isNull();
  }

  @Test
  void hostsAreFoundByLongestPrefix() throws Exception {
    Policy pol = policy();
    assertThat(pol.hostFor(IpAddress.parse("10.0.0.1"))).isEqualTo("desktop");
    assertThat(pol.hostFor(IpAddress.parse("2001:db8::2"))).isEqualTo("10.0.0.2");
    assertThat(pol.hostFor(IpAddress.parse("10.0.1.77"))).isEqualTo("10.0.1.0/24");
    assertThat(pol.hostFor(IpAddress.parse("192.0.2.1"))).isNull();
    assertThat(pol.idleTimeout()).isEqualTo(30);
    assertThat(pol.ftpPorts()).containsExactly(21);
  }

  @Test
  void ipv6WithoutRules6IsOpenAndWarnedAbout() throws Exception {
    Policy pol = policy();
    assertThat(pol.warnings()).anySatisfy(w -> assertThat(w).contains("IPv6").contains("desktop, 10.0.0.2"));
    Packet p = Packet.builder().addresses("2001:db8::9", "2001:db8::2").tcp(1, 25, 0x02).build();
    assertThat(pol.filter(p, ct(p, CtState.NEW, CtDirection.ORIGINAL), path(pol, p, S1P1)).verdict())
        .isEqualTo(Verdict.ACCEPT);
  }

  static Stream<Arguments> badPolicies() {
    return Stream.of(
        Arguments.of("unknown key", "hosts: []\nfirewall: x\n", 2, "firewall"),
        Arguments.of("bad address", "hosts:\n  - address: 10.0.0.999\n", 2, "10.0.0.999"),
        Arguments.of("missing rule file", "hosts:\n  - address: 10.0.0.1\n    rules: nope.rules\n", 3, "nope.rules"),
        Arguments.of("bad timeout", "offload:\n  idle-timeout: -5\n", 2, "-5"),
        Arguments.of("duplicate address", "hosts:\n  - address: 10.0.0.1\n  - address: 10.0.0.1\n", 3, "10.0.0.1"),
        Arguments.of("broken YAML", "hosts:\n  - address: [10.0.0.1\n", 3, null),
        Arguments.of("too many ftp ports", "helpers:\n  ftp: [1,2,3,4,5,6,7,8,9]\n", 2, null),
        Arguments.of("a tag the YAML library refuses without a position (fuzzing find)", "!~%e", 0, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badPolicies")
  void badPoliciesNameFileAndLine(String name, String yaml, int line, String token, @TempDir Path dir) throws Exception {
    Path f = dir.resolve("p.yaml");
    Files.writeString(f, yaml);
    assertThatThrownBy(() -> new PolicyLoader().load(f)).isInstanceOfSatisfying(PolicyException.class, e -> {
      assertThat(e.file()).isEqualTo(f.toString());
      assertThat(e.line()).isEqualTo(line);
      if (token != null) {
        assertThat(e.token()).isEqualTo(token);
      }
    });
  }

  @Test
  void aRuleFileErrorNamesTheRuleFile(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("h.rules"), "*filter\n-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n");
    Files.writeString(dir.resolve("p.yaml"), "hosts:\n  - address: 10.0.0.1\n    rules: h.rules\n");
    assertThatThrownBy(() -> new PolicyLoader().load(dir.resolve("p.yaml")))
        .isInstanceOfSatisfying(PolicyException.class, e -> {
          assertThat(e.file()).endsWith("h.rules");
          assertThat(e.line()).isEqualTo(2);
          assertThat(e.token()).isEqualTo("99999");
        });
  }
}
