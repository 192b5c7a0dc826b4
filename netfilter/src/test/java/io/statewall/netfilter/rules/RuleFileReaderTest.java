package io.statewall.netfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.netfilter.packet.Family;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RuleFileReaderTest {
  private static final RuleFileReader READER = new RuleFileReader(() -> 0L);

  private static String filter(String... lines) {
    return "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:user - [0:0]\n"
        + String.join("\n", lines) + "\nCOMMIT\n";
  }

  static Stream<Arguments> canonical() {
    return Stream.of(
        Arguments.of("implicit tcp match after -p", "-A INPUT -p tcp --dport 22 -j ACCEPT",
            "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"),
        Arguments.of("implicit match placed where its first option is", "-A INPUT -p tcp -m state --state NEW --dport 22 -j ACCEPT",
            "-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT"),
        Arguments.of("host address gets /32", "-A INPUT -s 10.0.0.1 -j DROP", "-A INPUT -s 10.0.0.1/32 -j DROP"),
        Arguments.of("network is masked, dotted mask becomes a length", "-A INPUT -s 10.1.2.3/255.255.0.0 -j DROP",
            "-A INPUT -s 10.1.0.0/16 -j DROP"),
        Arguments.of("negation moves before the option", "-A INPUT -p udp ! --dport 53 -j DROP",
            "-A INPUT -p udp -m udp ! --dport 53 -j DROP"),
        Arguments.of("open port ranges are filled", "-A INPUT -p tcp --sport 1024: -j ACCEPT",
            "-A INPUT -p tcp -m tcp --sport 1024:65535 -j ACCEPT"),
        Arguments.of("--syn is a flag test", "-A INPUT -p tcp --syn -j DROP",
            "-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j DROP"),
        Arguments.of("service and protocol names become iptables' names", "-A INPUT -p 6 --dport https -j ACCEPT",
            "-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT"),
        Arguments.of("icmp names become numbers", "-A INPUT -p icmp --icmp-type echo-request -j ACCEPT",
            "-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT"),
        Arguments.of("REJECT prints its default type", "-A INPUT -j REJECT",
            "-A INPUT -j REJECT --reject-with icmp-port-unreachable"),
        Arguments.of("LOG default level is not printed; prefix quoted when needed",
            "-A INPUT -j LOG --log-level warning --log-prefix \"x y\"", "-A INPUT -j LOG --log-prefix \"x y\""),
        Arguments.of("limit rate printed in its unit", "-A INPUT -m limit --limit 10/second -j ACCEPT",
            "-A INPUT -m limit --limit 10/sec -j ACCEPT"),
        Arguments.of("states in kernel order", "-A INPUT -m state --state ESTABLISHED,NEW,INVALID -j ACCEPT",
            "-A INPUT -m state --state INVALID,NEW,ESTABLISHED -j ACCEPT"),
        Arguments.of("goto keeps -g", "-A INPUT -g user", "-A INPUT -g user"),
        Arguments.of("a plain interface name prints as given", "-A INPUT -i eth0+ -j DROP", "-A INPUT -i eth0+ -j DROP"),
        Arguments.of("a backslash in an interface name is escaped so it reads back (fuzzing find)",
            "-A INPUT -i ]\\\\ElE -j DROP", "-A INPUT -i ]\\\\ElE -j DROP"),
        Arguments.of("an unambiguous prefix of a match option is the option, as getopt_long reads it",
            "-A INPUT -m mac --mac 00:11:22:33:44:55 -j ACCEPT", "-A INPUT -m mac --mac-source 00:11:22:33:44:55 -j ACCEPT"),
        Arguments.of("a prefix of an implicit match's option loads the match", "-A INPUT -p tcp --dp 22 -j ACCEPT",
            "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"),
        Arguments.of("MARK --set-mark prints as --set-xmark", "-A INPUT -j MARK --set-mark 0x10/0xff",
            "-A INPUT -j MARK --set-xmark 0x10/0xff"),
        Arguments.of("CONNMARK --save-mark prints both masks", "-A INPUT -j CONNMARK --save-mark --mask 0xff",
            "-A INPUT -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff"),
        Arguments.of("the later of --set-mss and --clamp-mss-to-pmtu wins",
            "-A INPUT -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu --set-mss 1400",
            "-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --set-mss 1400"),
        Arguments.of("addrtype prints types in the kernel's order", "-A INPUT -m addrtype --src-type local,unicast",
            "-A INPUT -m addrtype --src-type UNICAST,LOCAL"),
        Arguments.of("recent prints its defaults: name, mask and side", "-A INPUT -m recent --set",
            "-A INPUT -m recent --set --name DEFAULT --mask 255.255.255.255 --rsource"),
        Arguments.of("recent prints in libxt_recent's order, the later side winning",
            "-A INPUT -m recent --rdest --rttl --hitcount 3 --name X --seconds 9 ! --update --rsource",
            "-A INPUT -m recent ! --update --seconds 9 --hitcount 3 --rttl --name X --mask 255.255.255.255 --rsource"),
        Arguments.of("conntrack tuple tests print in libxt_conntrack's order",
            "-A INPUT -m conntrack --ctdir reply --ctrepldstport 9:9 --ctorigsrcport :80 --ctreplsrc 10.1.2.3/16 --ctstatus ASSURED",
            "-A INPUT -m conntrack --ctreplsrc 10.1.2.3/16 --ctorigsrcport 0:80 --ctrepldstport 9 --ctstatus ASSURED --ctdir REPLY"),
        Arguments.of("a quote or a space in an interface name is escaped so it reads back",
            "-A INPUT -i \"a b\\\"\" -j DROP", "-A INPUT -i a\\ b\\\" -j DROP"));
  }

  @org.junit.jupiter.api.Test
  void aChainNameWithABackslashReadsBackFromSaveText() throws RuleSyntaxException {
    // found by fuzzing (RuleFileReaderFuzzTest#ipv4): chain names were printed raw, and the
    // declaration, -A and -j all unescape, so every save halved the backslashes
    String text = "*filter\n:INPUT ACCEPT [0:0]\n:a\\\\b\\ c - [0:0]\n"
        + "-A INPUT -j a\\\\b\\ c\n-A a\\\\b\\ c -j RETURN\nCOMMIT\n";
    RuleSet set = READER.parse("t.rules", text, Family.IPV4);
    assertThat(set.table(TableName.FILTER).chains()).extracting(Chain::name).contains("a\\b c");
    RuleSet again = READER.parse("t.rules", set.save(), Family.IPV4);
    assertThat(again.save()).isEqualTo(set.save());
    assertThat(again.table(TableName.FILTER).chain("a\\b c").rules()).hasSize(1);
    assertThat(set.save()).contains(":a\\\\b\\ c - [0:0]", "-A INPUT -j a\\\\b\\ c");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("canonical")
  void printsAsIptablesSave(String name, String in, String out) throws RuleSyntaxException {
    RuleSet set = READER.parse("t.rules", filter(in), Family.IPV4);
    assertThat(set.table(TableName.FILTER).chain("INPUT").rules().get(0).text()).isEqualTo(out);
    RuleSet again = READER.parse("t.rules", set.save(), Family.IPV4);
    assertThat(again.save()).as("its save text reads back to itself").isEqualTo(set.save());
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of("port without -p", "-A INPUT --dport 22 -j ACCEPT", 6, 10, "--dport", "need -p first"),
        Arguments.of("unknown match", "-A INPUT -m foo -j ACCEPT", 6, 13, "foo", "a supported match"),
        Arguments.of("unknown target", "-A INPUT -j FOO", 6, 13, "FOO", "couldn't load target"),
        Arguments.of("bad address", "-A INPUT -s 10.0.0.300 -j DROP", 6, 13, "10.0.0.300", "IPv4 address"),
        Arguments.of("bad port", "-A INPUT -p tcp --dport 70000 -j DROP", 6, 25, "70000", "port number"),
        Arguments.of("missing chain", "-A NOPE -j DROP", 6, 4, "NOPE", "does not exist"),
        Arguments.of("old negation", "-A INPUT -s ! 1.2.3.4 -j DROP", 6, 13, "!", "IPv4 address"),
        Arguments.of("option after target value", "-A INPUT -j ACCEPT --log-prefix x", 6, 20, "--log-prefix", "unknown option"),
        Arguments.of("chain loop", "-A INPUT -j user\n-A user -j user", 7, 9, "-j user", "loop"),
        Arguments.of("owner is host-local and says so", "-A OUTPUT -m owner --uid-owner 0 -j ACCEPT", 6, 14, "owner",
            "a network cannot see it"),
        Arguments.of("socket is host-local and says so", "-A INPUT -m socket -j ACCEPT", 6, 13, "socket",
            "a network cannot see it"),
        Arguments.of("recent --seconds that iptables-save would print negative",
            "-A INPUT -m recent --rcheck --seconds 4294967295", 6, 39, "4294967295", "no iptables reads back"),
        Arguments.of("a recent list name that iptables-save prints unreadable", "-A INPUT -m recent --set --name \"a b\"",
            6, 33, "a b", "would not read back"),
        Arguments.of("recent --set with a hit count, as the kernel refuses", "-A INPUT -m recent --set --hitcount 2",
            6, 37, "2", "the kernel refuses them"),
        Arguments.of("--ctexpire takes two numbers at most, as iptables says", "-A INPUT -m conntrack --ctexpire 1:2:3",
            6, 34, "1:2:3", "Too many components"),
        Arguments.of("a v4 connlimit mask above 32 is refused (iptables makes it /32)",
            "-A INPUT -m connlimit --connlimit-above 3 --connlimit-mask 33", 6, 60, "33", "contiguous network mask"),
        Arguments.of("a non-contiguous connlimit mask is refused",
            "-A INPUT -m connlimit --connlimit-above 3 --connlimit-mask 255.0.255.0", 6, 60, "255.0.255.0",
            "contiguous network mask"),
        Arguments.of("a probability of nan is refused (iptables loads it as 0)",
            "-A INPUT -m statistic --mode random --probability nan", 6, 51, "nan", "(0-1)"),
        Arguments.of("sctp chunk flags are the chunk's own letters", "-A INPUT -p sctp --chunk-types any INIT:T", 6, 36,
            "INIT:T", "Invalid flags for chunk type 1"),
        Arguments.of("an ambiguous abbreviation is unknown, as getopt says", "-A INPUT -m conntrack --ctst NEW", 6, 23,
            "--ctst", "unknown option"),
        Arguments.of("a NAT target outside nat names its table", "-A FORWARD -j SNAT --to-source 1.2.3.4", 6, 15,
            "SNAT", "SNAT only in the nat table"),
        Arguments.of("TCPMSS needs a SYN match", "-A FORWARD -p tcp -j TCPMSS --set-mss 1400", 6, 22, "TCPMSS",
            "Only works on TCP SYN packets"),
        Arguments.of("clamping to PMTU is refused in INPUT, through user chains too",
            "-A INPUT -j user\n-A user -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu", 7, 25, "TCPMSS",
            "reached from INPUT"),
        Arguments.of("a mark value is 32 bits", "-A INPUT -j MARK --set-mark 0x100000000", 6, 29, "0x100000000",
            "value[/mask]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void refusesWithLocation(String name, String in, int line, int col, String token, String expected) {
    assertThatThrownBy(() -> READER.parse("f.rules", filter(in), Family.IPV4))
        .isInstanceOfSatisfying(RuleSyntaxException.class, e -> {
          assertThat(e.file()).isEqualTo("f.rules");
          assertThat(e.line()).isEqualTo(line);
          assertThat(e.column()).isEqualTo(col);
          assertThat(e.token()).isEqualTo(token);
          assertThat(e.getMessage()).contains(expected);
        });
  }

  @Test
  void unknownTablesAreRefusedByName() {
    assertThatThrownBy(() -> READER.parse("n.rules", "*broute\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n", Family.IPV4))
        .isInstanceOf(RuleSyntaxException.class).hasMessageContaining("'broute'").hasMessageContaining("n.rules:1:2");
  }

  @Test
  void aPolicyGivenAsARuleFileIsNamedAsOne() {
    assertThatThrownBy(() -> READER.parse("p.rules", "# mine\nhosts:\n  - address: 10.0.0.1\n", Family.IPV4))
        .isInstanceOf(RuleSyntaxException.class).hasMessageContaining("p.rules:2:1")
        .hasMessageContaining("this is a policy YAML");
  }

  @Test
  void missingCommitIsRefused() {
    assertThatThrownBy(() -> READER.parse("m.rules", "*filter\n-A INPUT -j DROP\n", Family.IPV4))
        .isInstanceOf(RuleSyntaxException.class).hasMessageContaining("COMMIT");
  }

  @Test
  void garbageNeverEscapesAsAnotherException() {
    String[] inputs = {"*", "*filter\n:", "*filter\n-A", "*filter\n-A INPUT -p", "*filter\n-A INPUT !",
        "*filter\n\"", "*filter\n-A INPUT -m", "*filter\n-A INPUT -p tcp --tcp-flags SYN", "\u0000\u0001",
        "*filter\n:INPUT", "*filter\n-A INPUT -p tcp -m multiport --dports ,", "*filter\n-I INPUT 0 -j DROP"};
    for (String in : inputs) {
      assertThatThrownBy(() -> READER.parse("g.rules", in, Family.IPV4)).as(in).isInstanceOf(RuleSyntaxException.class);
    }
  }

  @Test
  void aHundredThousandLinesWithDeepJumpsLoadWithoutOverflow() throws RuleSyntaxException {
    StringBuilder sb = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    int chains = 5000;
    for (int c = 0; c < chains; c++) {
      sb.append(":c").append(c).append(" - [0:0]\n");
    }
    sb.append("-A INPUT -j c0\n");
    int lines = chains + 5;
    for (int c = 0; c < chains && lines < 100_000; c++) {
      for (int r = 0; r < 18 && lines < 100_000; r++, lines++) {
        sb.append("-A c").append(c).append(" -s 10.").append(c % 250).append('.').append(r).append(".1 -p tcp --dport ")
            .append(1000 + r).append(" -m state --state NEW -j ACCEPT\n");
      }
      if (c + 1 < chains) {
        sb.append("-A c").append(c).append(" -j c").append(c + 1).append('\n');
        lines++;
      }
    }
    sb.append("COMMIT\n");
    RuleSet set = READER.parse("big.rules", sb.toString(), Family.IPV4);
    assertThat(set.table(TableName.FILTER).ruleCount()).isGreaterThan(90_000);
  }
}
