package io.statewall.it.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.demo.DemoCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ./statewall demo}, the README's main command, runs the seed's traffic with Linux's verdicts. */
class DemoTest {
  @Test
  void theSeedsTrafficGetsTheSeedsVerdicts() {
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new DemoCommand());
    cli.setOut(new PrintWriter(out, true));
    int code = cli.execute("--no-wait", "--policy", FirewallNetwork.EXAMPLES.resolve("seed.yaml").toString());
    String table = out.toString();
    assertThat(code).as(table).isZero();
    assertThat(table)
        .containsPattern("outsider -> server SSH \\(22\\) +connected +ACCEPT +seed-servers.rules:8")
        .containsPattern("outsider -> server HTTP \\(80\\) +connected +ACCEPT +seed-servers.rules:9")
        .containsPattern("outsider -> server telnet \\(23\\) +timed out / refused +DROP +seed-servers.rules INPUT policy")
        .containsPattern("server -> outsider HTTP \\(new outbound\\) +timed out / refused +DROP +seed-servers.rules OUTPUT policy")
        .containsPattern("desktop FTP passive PASV +connected, file intact +ACCEPT +RELATED seed-desktop.rules:20")
        .containsPattern("desktop FTP passive EPSV +connected, file intact +ACCEPT +RELATED seed-desktop.rules:20")
        .containsPattern("desktop FTP active PORT +connected, file intact +ACCEPT +RELATED seed-desktop.rules:17")
        .containsPattern("desktop FTP active EPRT +connected, file intact +ACCEPT +RELATED seed-desktop.rules:17")
        .containsPattern("outsider -> desktop SSH \\(unsolicited\\) +timed out / refused +DROP");
  }
}
