package io.statewall.apps.main;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.launch.UserError;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code statewall config check FILE}: what run would use, the cluster section included, or the error. */
class ConfigCommandTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int check(String config) throws Exception {
    Files.writeString(dir.resolve("p.yaml"), "hosts: []\n");
    Path file = Files.writeString(dir.resolve("statewall.yaml"), config);
    CommandLine cli = new CommandLine(new ConfigCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    cli.setExecutionExceptionHandler((e, line, parsed) -> {
      if (e instanceof UserError) {
        line.getErr().println("statewall: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    return cli.execute("check", file.toString());
  }

  @Test
  void withoutASectionThereIsNoCluster() throws Exception {
    assertThat(check("policy: p.yaml\napi: off\n")).isZero();

    assertThat(out.toString()).contains("  cluster     none\n");
  }

  @Test
  void theClusterSectionIsShownAsRunWouldUseIt() throws Exception {
    assertThat(check("""
        policy: p.yaml
        api: off
        cluster:
          name: lab
          member: B
          peers: [A=127.0.0.1:47800, B=127.0.0.1:47801, C=127.0.0.1:47802]
        """)).isZero();

    assertThat(out.toString()).contains("  cluster     lab: member B on 127.0.0.1:47801, peers "
        + "A=127.0.0.1:47800,B=127.0.0.1:47801,C=127.0.0.1:47802\n");
  }

  @Test
  void aClusterSectionThatDoesNotNameThisMemberIsAnError() throws Exception {
    assertThat(check("""
        policy: p.yaml
        cluster: {name: lab, member: D, peers: [A=127.0.0.1:47800]}
        """)).isEqualTo(2);

    assertThat(err.toString()).contains("member D is not one of the peers [A]");
    assertThat(out.toString()).isEmpty();
  }
}
