package io.statewall.mininet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The harness on one shared standalone network: hosts, commands, services, flows, rules, links. */
class SingleSwitchNetworkTest {

  @RegisterExtension
  static final MininetExtension NET = MininetExtension.of(
      MininetNetwork.builder().topology(Topology.single(3)).standalone());

  @Test
  void everyHostReachesEveryOther() {
    PingMatrix matrix = NET.network().pingAll();

    assertThat(matrix.unreached()).isEmpty();
    assertThat(matrix.hosts()).containsExactly("h1", "h2", "h3");
  }

  @Test
  void hostsHaveMininetsAddressesAndChecksumOffloadOff() {
    Host h2 = NET.network().host("h2");

    assertThat(h2.ip()).isEqualTo("10.0.0.2");
    assertThat(h2.mac()).isEqualTo("00:00:00:00:00:02");
    assertThat(h2.exec("ethtool -k " + h2.interfaceName()).stdout())
        .contains("tx-checksumming: off");
  }

  @Test
  void curlFetchesAFileOverTcpFromAnHttpServerOnAnotherHost() {
    Host server = NET.network().host("h2");
    Host client = NET.network().host("h1");
    server.exec("mkdir -p /tmp/www-h2 && head -c 200000 /dev/urandom > /tmp/www-h2/blob").orThrow();
    try (BackgroundProcess http =
        server.start("cd /tmp/www-h2 && exec python3 -u -m http.server 8000")) {
      http.awaitOutput("Serving HTTP", Duration.ofSeconds(10));
      ExecResult fetch = client.exec("curl -sf -o /dev/null -w '%{size_download}' http://"
          + server.ip() + ":8000/blob", Duration.ofSeconds(20));

      assertThat(fetch.exitCode()).as(fetch.stderr()).isZero();
      assertThat(fetch.stdout()).isEqualTo("200000");
      assertThat(http.isAlive()).isTrue();
    } finally {
      server.exec("rm -rf /tmp/www-h2");
    }
  }

  @Test
  void aStoppedBackgroundProcessIsGoneAndKeepsItsOutput() {
    Host h3 = NET.network().host("h3");
    BackgroundProcess p = h3.start("echo started; exec sleep 61.5");
    p.awaitOutput("started", Duration.ofSeconds(5));

    ExecResult stopped = p.stop();

    assertThat(stopped.stdout()).isEqualTo("started\n");
    assertThat(h3.exec("pgrep -fx 'sleep 61.5' || true").stdout()).isEmpty();
  }

  @Test
  void flowDumpIsParsedIntoEntries() {
    NET.network().pingAll();

    assertThat(NET.network().ovsSwitch("s1").dumpFlows())
        .anySatisfy(f -> {
          assertThat(f.actions()).isEqualTo("NORMAL");
          assertThat(f.priority()).isZero();
          assertThat(f.packets()).isPositive();
        });
  }

  @Test
  void portStatsCountTrafficOnHostPorts() {
    NET.network().pingAll();

    assertThat(NET.network().ovsSwitch("s1").portStats())
        .extracting(PortStats::port).contains("LOCAL", "1", "2", "3");
    assertThat(NET.network().ovsSwitch("s1").portStats())
        .filteredOn(p -> p.port().equals("1")).singleElement()
        .satisfies(p -> assertThat(p.rxPackets()).isPositive());
  }

  @Test
  void iptablesRulesInAHostChangeWhatGetsThrough() {
    Host h3 = NET.network().host("h3");
    Host h1 = NET.network().host("h1");
    String ping = "ping -c1 -W1 " + h3.ip();
    try {
      h3.loadIptables("""
          *filter
          :INPUT ACCEPT [0:0]
          :FORWARD ACCEPT [0:0]
          :OUTPUT ACCEPT [0:0]
          -A INPUT -p icmp -s %s -j DROP
          COMMIT
          """.formatted(h1.ip()));

      assertThat(h1.exec(ping).exitCode()).isNotZero();
      assertThat(NET.network().host("h2").exec(ping).exitCode()).isZero();
    } finally {
      h3.loadIptables("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n");
    }
    assertThat(h1.exec(ping).exitCode()).isZero();
  }

  @Test
  void statefulRulesAndTheFtpHelperLoadAsTheDifferentialSuiteNeeds() {
    Host h2 = NET.network().host("h2");
    Host h1 = NET.network().host("h1");
    try {
      h2.loadIptables("""
          *raw
          :PREROUTING ACCEPT [0:0]
          :OUTPUT ACCEPT [0:0]
          -A OUTPUT -p tcp --dport 21 -j CT --helper ftp
          COMMIT
          *filter
          :INPUT DROP [0:0]
          :FORWARD DROP [0:0]
          :OUTPUT ACCEPT [0:0]
          -A INPUT -i lo -j ACCEPT
          -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
          COMMIT
          """);

      // h2 may start connections (replies are ESTABLISHED); nobody may start one towards h2
      assertThat(h2.exec("ping -c1 -W1 " + h1.ip()).exitCode()).isZero();
      assertThat(h1.exec("ping -c1 -W1 " + h2.ip()).exitCode()).isNotZero();
      assertThat(h2.exec("iptables -t raw -S OUTPUT").stdout()).contains("--helper ftp");
    } finally {
      h2.loadIptables("*raw\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n"
          + ":FORWARD ACCEPT [0:0]\nCOMMIT\n");
    }
  }

  @Test
  void ip6tablesRulesLoadIntoTheHostsOwnNamespace() {
    Host h3 = NET.network().host("h3");
    h3.loadIp6tables("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 8080 -j DROP\nCOMMIT\n");

    assertThat(h3.exec("ip6tables -S INPUT").stdout()).contains("--dport 8080 -j DROP");
    assertThat(NET.network().host("h2").exec("ip6tables -S INPUT").stdout())
        .doesNotContain("8080");
    h3.loadIp6tables("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n");
  }

  @Test
  void rejectedIptablesRulesSayWhy() {
    assertThatThrownBy(() -> NET.network().host("h1").loadIptables("*filter\n-A NOPE -j DROP\nCOMMIT\n"))
        .isInstanceOf(MininetException.class)
        .hasMessageContaining("iptables-restore rejected the rules on h1");
  }

  @Test
  void linkDownBreaksReachabilityAndUpRestoresIt() {
    MininetNetwork net = NET.network();
    net.linkDown("h1", "s1");
    try {
      PingMatrix down = net.pingAll(Duration.ofMillis(500));
      assertThat(down.reached("h1", "h2")).isFalse();
      assertThat(down.reached("h2", "h1")).isFalse();
      assertThat(down.reached("h2", "h3")).isTrue();
    } finally {
      net.linkUp("h1", "s1");
    }
    assertThat(net.pingAll().allReachable()).isTrue();
  }

  @Test
  void aCommandThatTimesOutRaisesWithItsPartialOutput() {
    assertThatThrownBy(() -> NET.network().host("h1")
        .exec("echo first-part; echo err-part >&2; sleep 30", Duration.ofSeconds(1)))
        .isInstanceOfSatisfying(CommandTimeoutException.class, e -> {
          assertThat(e.partialStdout()).isEqualTo("first-part\n");
          assertThat(e.partialStderr()).isEqualTo("err-part\n");
          assertThat(e.getMessage()).contains("timed out after 1.0 s on h1");
        });
  }

  @Test
  void aFailingCommandIsAResultNotAnException() {
    ExecResult r = NET.network().host("h1").exec("echo out; echo err >&2; exit 3");

    assertThat(r).isEqualTo(new ExecResult(3, "out\n", "err\n"));
  }

  @Test
  void unknownNamesGiveAClearError() {
    assertThatThrownBy(() -> NET.network().host("h9"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown host 'h9' (hosts: h1, h2, h3)");
    assertThatThrownBy(() -> NET.network().ovsSwitch("s7"))
        .hasMessage("unknown switch 's7' (switches: s1)");
    assertThatThrownBy(() -> NET.network().linkDown("h1", "h2"))
        .isInstanceOf(MininetException.class).hasMessageContaining("no link between h1 and h2");
  }
}
