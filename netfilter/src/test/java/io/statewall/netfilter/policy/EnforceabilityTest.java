package io.statewall.netfilter.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A policy enforces filter and raw: other tables need unenforced-tables, rules it cannot execute refuse it. */
class EnforceabilityTest {
  private static final String NAT = "*nat\n-A POSTROUTING -o eth0 -j MASQUERADE\n-A PREROUTING -p tcp --dport 80 "
      + "-j REDIRECT --to-ports 8080\nCOMMIT\n";
  private static final String MANGLE = "*mangle\n-A PREROUTING -j MARK --set-mark 1\nCOMMIT\n";
  private static final String FILTER = "*filter\n-A INPUT -m state --state ESTABLISHED -j ACCEPT\nCOMMIT\n";

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of("a nat table without unenforced-tables names the key to add", NAT + FILTER, "",
            2, "unenforced-tables: [nat]"),
        Arguments.of("listing nat does not let mangle through", NAT + MANGLE, "unenforced-tables: [nat]\n",
            6, "table mangle has 1 rule(s)"),
        Arguments.of("a DROP policy in mangle counts as enforcement", "*mangle\n:FORWARD DROP [0:0]\nCOMMIT\n", "",
            0, "1 DROP policy"),
        Arguments.of("TCPMSS in filter names the rule and why",
            "*filter\n-A FORWARD -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu\nCOMMIT\n", "", 2,
            "'-A FORWARD -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --clamp-mss-to-pmtu' of table filter "
                + "cannot be enforced: it rewrites the TCP MSS option"),
        Arguments.of("MARK in filter says marks are not kept", "*filter\n-A INPUT -j MARK --set-mark 1\nCOMMIT\n", "",
            2, "packet or connection mark"),
        Arguments.of("-m mark in filter says why", "*filter\n\n-A INPUT -m mark --mark 1 -j DROP\nCOMMIT\n", "", 3,
            "tests the packet mark"));
  }

  /** IPv6's ANYCAST and UNREACHABLE come from the host's routes; LOCAL and MULTICAST are decided. */
  @Test
  void addrtypeOnIpv6RoutesIsRefusedNamingTheRule(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("h.rules6"), "*filter\n-A INPUT -m addrtype --dst-type LOCAL,MULTICAST -j ACCEPT\n"
        + "-A INPUT -m addrtype ! --src-type ANYCAST -j DROP\nCOMMIT\n");
    Files.writeString(dir.resolve("p.yaml"), "hosts:\n  - address: fd00::1\n    rules6: h.rules6\n");
    assertThatThrownBy(() -> new PolicyLoader().load(dir.resolve("p.yaml")))
        .isInstanceOfSatisfying(PolicyException.class, e -> {
          assertThat(e.file()).endsWith("h.rules6");
          assertThat(e.line()).isEqualTo(3);
          assertThat(e.getMessage()).contains("'-A INPUT -m addrtype ! --src-type ANYCAST -j DROP'",
              "the host's IPv6 routes");
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void refusedPoliciesSayWhy(String name, String rules, String extra, int line, String expected, @TempDir Path dir)
      throws Exception {
    Files.writeString(dir.resolve("h.rules"), rules);
    Files.writeString(dir.resolve("p.yaml"), extra + "hosts:\n  - address: 10.0.0.1\n    rules: h.rules\n    rules6: h.rules6\n");
    Files.writeString(dir.resolve("h.rules6"), "");
    assertThatThrownBy(() -> new PolicyLoader().load(dir.resolve("p.yaml")))
        .isInstanceOfSatisfying(PolicyException.class, e -> {
          assertThat(e.file()).endsWith("h.rules");
          assertThat(e.line()).isEqualTo(line);
          assertThat(e.getMessage()).contains(expected);
        });
  }

  @Test
  void unenforcedTablesLoadWithOneWarningPerTable(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.rules"), NAT + MANGLE + FILTER);
    Files.writeString(dir.resolve("n.rules"), NAT);
    Files.writeString(dir.resolve("p.yaml"), "unenforced-tables: [nat, mangle]\nhosts:\n  - address: 10.0.0.1\n"
        + "    rules: a.rules\nnetwork:\n  rules: n.rules\n");
    Policy p = new PolicyLoader().load(dir.resolve("p.yaml"));
    assertThat(p.warnings()).filteredOn(w -> w.contains("is not enforced")).hasSize(2)
        .anySatisfy(w -> assertThat(w).contains("table nat").contains("4 rule(s)"))
        .anySatisfy(w -> assertThat(w).contains("table mangle").contains("1 rule(s)"));
  }

  @Test
  void anEmptyOtherTableNeedsNoKey(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.rules"), "*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n" + FILTER);
    Files.writeString(dir.resolve("p.yaml"), "network:\n  rules: a.rules\n");
    assertThat(new PolicyLoader().load(dir.resolve("p.yaml")).warnings()).noneMatch(w -> w.contains("not enforced"));
  }

  @Test
  void unenforcedTablesCannotNameFilter(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("p.yaml"), "unenforced-tables: [filter]\n");
    assertThatThrownBy(() -> new PolicyLoader().load(dir.resolve("p.yaml")))
        .hasMessageContaining("p.yaml:1:21").hasMessageContaining("nat, mangle or security");
  }

  @Test
  void aRuleFileGivenAsThePolicySaysWhatItIs(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("p.yaml"), "# Generated by iptables-save\n" + FILTER);
    assertThatThrownBy(() -> new PolicyLoader().load(dir.resolve("p.yaml")))
        .hasMessageContaining("this is an iptables-save rule file (it starts with *filter), not a policy");
  }
}
