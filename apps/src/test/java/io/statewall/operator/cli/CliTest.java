package io.statewall.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.operator.api.RunningControllerAccess;
import io.statewall.operator.cli.PolicyCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The operator's subcommands through picocli, against a running controller's API. */
class CliTest {
  @TempDir
  Path dir;
  RunningControllerAccess c;

  @BeforeEach
  void start() throws Exception {
    c = RunningControllerAccess.start(dir);
  }

  @AfterEach
  void stop() {
    c.close();
  }

  /** One command's run: exit code, stdout, stderr. */
  record Run(int code, String out, String err) {}

  Run run(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--api";
    all[args.length + 1] = c.hostPort();
    all[args.length + 2] = "--api-token-file";
    all[args.length + 3] = c.tokenFile().toString();
    int code = cli.execute(all);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void clusterOnAControllerOnItsOwnSaysNone() {
    Run r = run(new ClusterCommand());
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("cluster: none (this controller runs on its own)\n");
  }

  @Test
  void conntrackListPrintsConntrackToolsLinesAndCount() {
    c.connect(40000, 22);
    c.connect(40001, 80);
    Run r = run(new ConntrackCommand(), "-L");
    assertThat(r.code()).isZero();
    assertThat(r.out().lines()).hasSize(2).allMatch(l -> l.startsWith("tcp      6 ") && l.contains(" ESTABLISHED src=10.0.0.9 "));
    assertThat(r.err()).isEqualTo("conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.\n");
  }

  @Test
  void conntrackListFilters() {
    c.connect(40000, 22);
    c.connect(40001, 80);
    Run r = run(new ConntrackCommand(), "-L", "-p", "tcp", "--dport", "22", "-s", "10.0.0.9");
    assertThat(r.out().lines()).singleElement().asString().contains("sport=40000 dport=22");
  }

  @Test
  void conntrackDeletePrintsAndRemovesTheMatchingConnection() {
    c.connect(40000, 22);
    c.connect(40001, 80);
    Run r = run(new ConntrackCommand(), "-D", "-p", "tcp", "--dport", "22");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("dport=22").doesNotContain("dport=80 ");
    assertThat(r.err()).contains("1 flow entries have been deleted.");
    assertThat(c.connections()).isEqualTo(1);
  }

  @Test
  void conntrackDeleteWithoutFiltersIsRefusedAndFlushEmpties() {
    c.connect(40000, 22);
    Run refused = run(new ConntrackCommand(), "-D");
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).startsWith("statewall: -D needs a filter");
    assertThat(c.connections()).isEqualTo(1);
    Run flushed = run(new ConntrackCommand(), "-F");
    assertThat(flushed.err()).contains("connection tracking table has been emptied.");
    assertThat(c.connections()).isZero();
  }

  @Test
  void conntrackListExpectIsEmptyWithoutFtp() {
    Run r = run(new ConntrackCommand(), "-L", "expect");
    assertThat(r.code()).isZero();
    assertThat(r.err()).contains("0 expectations have been shown.");
  }

  @Test
  void aBadAddressIsOneLineFromTheApi() {
    Run r = run(new ConntrackCommand(), "-L", "-s", "10.0.0.300");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().lines()).singleElement().asString()
        .isEqualTo("statewall: src: '10.0.0.300' is not an IPv4 or IPv6 address");
  }

  @Test
  void policyShowPrintsTheRunningRulesWithTheirFile() {
    Run r = run(new PolicyCommand(), "show");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("# policy: " + c.policy())
        .contains("# host 10.0.0.1 rules: ").contains("-A INPUT -p tcp -m tcp --dport 22");
  }

  @Test
  void policyApplyDryRunNamesTheConnectionAStricterPolicyCuts() {
    c.connect(40000, 22);
    Run r = run(new PolicyCommand(), "apply", dir.resolve("strict.yaml").toString(), "--dry-run");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("would no longer accept 1 tracked connection(s)")
        .contains("sport=40000 dport=22").contains("DROP by host 10.0.0.1 rules");
    assertThat(c.policySource()).isEqualTo(c.policy().toString());
  }

  @Test
  void policyApplyAppliesAndAMalformedFileExitsNonZeroWithItsLine() {
    Run bad = run(new PolicyCommand(), "apply", dir.resolve("bad.yaml").toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("bad.rules:3:").contains("(nothing changed)");
    assertThat(c.policySource()).isEqualTo(c.policy().toString());
    Run ok = run(new PolicyCommand(), "apply", dir.resolve("strict.yaml").toString());
    assertThat(ok.code()).isZero();
    assertThat(ok.out()).startsWith("applied: ");
    assertThat(c.policySource()).endsWith("strict.yaml");
  }

  @Test
  void policyCheckStillWorksWithoutAController() {
    Run r = run(new PolicyCommand(), "check", dir.resolve("servers.rules").toString());
    // --api is not an option of check: picocli refuses it, so check it the way users call it
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new PolicyCommand());
    cli.setOut(new PrintWriter(out));
    assertThat(cli.execute("check", dir.resolve("servers.rules").toString())).isZero();
    assertThat(out.toString()).contains("-A INPUT -p tcp -m tcp --dport 22");
    assertThat(r.code()).isNotZero();
  }

  @Test
  void traceEndsWithTheVerdictAndTheRule() {
    Run drop = run(new TraceCommand(), "--src", "10.0.0.9", "--dst", "10.0.0.1", "--proto", "tcp", "--dport", "23");
    assertThat(drop.code()).isZero();
    String last = drop.out().lines().reduce((a, b) -> b).orElse("");
    assertThat(last).isEqualTo("verdict     DROP by host 10.0.0.1 rules " + dir.resolve("servers.rules")
        + " policy DROP of INPUT");
    Run accept = run(new TraceCommand(), "--src", "10.0.0.9", "--dst", "10.0.0.1", "--dport", "22");
    assertThat(accept.out()).contains("conntrack   NEW")
        .endsWith("verdict     ACCEPT by host 10.0.0.1 rules " + dir.resolve("servers.rules")
            + ":6 -A INPUT -p tcp -m tcp --dport 22 -m state --state NEW,ESTABLISHED -j ACCEPT\n");
  }

  @Test
  void traceOfABroadcastNamesEachReceiverAndItsRule() {
    Run r = run(new TraceCommand(), "--src", "10.0.0.4", "--dst", "10.0.0.255", "--proto", "udp", "--dport", "161");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("receiver    10.0.0.1: DROP by host 10.0.0.1 rules " + dir.resolve("servers.rules")
        + " policy DROP of INPUT")
        .doesNotContain("no rule set applies");
    assertThat(r.out().lines().reduce((a, b) -> b).orElse("")).startsWith("verdict     DROP by host 10.0.0.1");
  }

  @Test
  void topologyTablesHaveTheirHeaders() {
    assertThat(run(new NetworkCommands.Switches()).out()).startsWith("DPID");
    assertThat(run(new NetworkCommands.Links()).out()).startsWith("SWITCH");
    assertThat(run(new NetworkCommands.Hosts()).out()).startsWith("MAC");
  }

  @Test
  void noControllerIsAClearOneLineError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new ConntrackCommand());
    cli.setErr(new PrintWriter(err));
    int code = cli.execute("-L", "--api", "127.0.0.1:" + port);
    assertThat(code).isEqualTo(1);
    assertThat(err.toString().lines()).singleElement().asString()
        .startsWith("statewall: no controller answers at http://127.0.0.1:" + port);
  }

  @Test
  void uiPrintsTheWebViewsUrlWithTheTokenOnlyWhenAskedAndOpensIt() {
    UiCommand plain = new UiCommand();
    java.util.List<String> opened = new java.util.ArrayList<>();
    plain.browser = u -> opened.add(u);
    Run r = run(plain, "--open");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().lines().findFirst()).hasValue("http://" + c.hostPort() + "/ui/");
    assertThat(opened).containsExactly("http://" + c.hostPort() + "/ui/");
    UiCommand with = new UiCommand();
    Run t = run(with, "--with-token");
    assertThat(t.out()).startsWith("http://" + c.hostPort() + "/ui/#token=");
    UiCommand none = new UiCommand();
    none.browser = u -> false;
    Run n = run(none, "--open");
    assertThat(n.err()).contains("no xdg-open");
  }
}
