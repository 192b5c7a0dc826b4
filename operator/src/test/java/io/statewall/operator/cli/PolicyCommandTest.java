package io.statewall.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PolicyCommandTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new PolicyCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void checkPrintsTheCanonicalRules(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("web.rules");
    Files.writeString(f, "*filter\n:INPUT DROP [9:9]\n-A INPUT -p tcp --dport 80 -s 10.0.0.1 -j ACCEPT\nCOMMIT\n");
    Run r = run("check", f.toString());
    assertThat(r.code).isZero();
    assertThat(r.out).isEqualTo("*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        + "-A INPUT -s 10.0.0.1/32 -p tcp -m tcp --dport 80 -j ACCEPT\nCOMMIT\n");
  }

  @Test
  void checkFailsWithTheLocatedError(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bad.rules");
    Files.writeString(f, "*filter\n-A INPUT -m nope -j ACCEPT\nCOMMIT\n");
    Run r = run("check", f.toString());
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err).contains(f + ":2:13").contains("nope");
  }

  @Test
  void checkLoadsAPolicyAndWarns() throws Exception {
    // the netfilter module's fixture, as a file (the CLI reads files; Maven runs tests in the module folder)
    Path yaml = Path.of("../netfilter/src/test/resources/io/statewall/netfilter/policy/seed/policy.yaml");
    Run r = run("check", yaml.toString());
    assertThat(r.code).isZero();
    assertThat(r.out).contains("# host desktop rules:").contains("-A FORWARD -i s1:4 -j DROP");
    assertThat(r.err).contains("warning:").contains("IPv6");
  }

  @Test
  void checkOfAMissingFileFails() {
    assertThat(run("check", "/nonexistent/x.rules").code).isEqualTo(1);
  }
}
