package io.statewall.controller.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

class RunConfigFileTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final List<RunOptions> seen = new ArrayList<>();
  private final AppAssembler assembler = options -> {
    seen.add(options);
    throw new UserError("stop here");
  };

  private int run(String... args) {
    AtomicReference<Thread> hook = new AtomicReference<>();
    return StatewallCli.execute(args, assembler, hook::set, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private Path file(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  private static CommandSpec runSpec() {
    return new CommandLine(new RunCommand(o -> List.of(), t -> {}, new PrintWriter(new StringWriter()))).getCommandSpec();
  }

  @Test
  void everyOptionOfRunIsAKeyNamedWithoutItsDashes() {
    List<String> options = runSpec().options().stream()
        .filter(o -> !o.usageHelp() && !o.versionHelp())
        .map(OptionSpec::longestName)
        .filter(n -> !n.equals("--config"))
        .collect(Collectors.toList());

    assertThat(RunConfigFile.settable(runSpec()).keySet())
        .containsExactlyElementsOf(options.stream().map(n -> n.substring(2)).collect(Collectors.toList()))
        .contains("policy", "listen", "port-packet-in-rate", "clear-flows-on-connect", "api-token-file",
            "log-format");
  }

  @Test
  void aNewOptionIsAKeyWithNoCode() throws Exception {
    // what a later option gets for free (--insecure-switches and --allow-dpid came this way)
    CommandSpec spec = runSpec();
    spec.addOption(OptionSpec.builder("--some-new-flag").type(boolean.class).arity("0").build());
    spec.addOption(OptionSpec.builder("--allow-datapath").type(List.class).auxiliaryTypes(String.class)
        .splitRegex(",").arity("1").build());
    Path config = file("new.yaml", "some-new-flag: true\nallow-datapath: [00:01, 00:02]\n");

    RunConfigFile loaded = RunConfigFile.load(config, spec);

    assertThat(loaded.defaultValue(spec.findOption("--some-new-flag"))).isEqualTo("true");
    assertThat(loaded.defaultValue(spec.findOption("--allow-datapath"))).isEqualTo("00:01,00:02");
  }

  @Test
  void theFileSetsEveryOptionAndRelativePathsAreFromItsDirectory() throws IOException {
    Files.createDirectories(dir.resolve("etc"));
    file("etc/policy.yaml", "hosts: []\n");
    Path config = file("etc/statewall.yaml", """
        # statewall run's options
        policy: policy.yaml
        listen: 127.0.0.1:6633
        echo-interval: 2s
        log-format: json
        api: off
        api-token-file: /etc/statewall/token
        clear-flows-on-connect: true
        conntrack-max: 1000
        port-packet-in-rate: 50
        switch-packet-in-rate: 500
        flow-mod-rate: 100
        """);

    assertThat(run("run", "--config", config.toString())).isEqualTo(2);

    assertThat(err.toString()).isEqualTo("statewall: stop here" + System.lineSeparator());
    RunOptions o = seen.get(0);
    assertThat(o.policy()).isEqualTo(dir.resolve("etc/policy.yaml").toAbsolutePath());
    assertThat(o.controller().listenHost()).isEqualTo("127.0.0.1");
    assertThat(o.controller().listenPort()).isEqualTo(6633);
    assertThat(o.controller().echoInterval()).hasSeconds(2);
    assertThat(o.logFormat()).isEqualTo(LogFormat.JSON);
    assertThat(o.api()).isEqualTo(ApiConfig.of("off", Path.of("/etc/statewall/token")));
    assertThat(o.controller().flowsOnConnect()).isEqualTo(io.statewall.controller.ControllerConfig.FlowsOnConnect.CLEAR);
    assertThat(o.limits()).isEqualTo(new RunLimits(1000, 50, 500, 100));
  }

  @Test
  void theCommandLineWins() throws IOException {
    Path policy = file("p.yaml", "hosts: []\n");
    Path other = file("other.yaml", "hosts: []\n");
    Path config = file("c.yaml", "policy: p.yaml\nconntrack-max: 1000\nlisten: 127.0.0.1:6633\n");

    run("run", "--conntrack-max", "7", "--config", config.toString(), "--policy", other.toString());
    run("run", "--config=" + config);

    assertThat(seen).extracting(RunOptions::policy).containsExactly(other, policy.toAbsolutePath());
    assertThat(seen).extracting(o -> o.limits().conntrackMax()).containsExactly(7, 1000);
    assertThat(seen).extracting(o -> o.controller().listenPort()).containsExactly(6633, 6633);
  }

  @Test
  void optionsTheFileDoesNotSetKeepTheirDefaults() throws IOException {
    file("p.yaml", "hosts: []\n");
    Path config = file("c.yaml", "policy: p.yaml\n");

    run("run", "--config", config.toString());

    assertThat(seen.get(0).limits()).isEqualTo(RunLimits.DEFAULTS);
    assertThat(seen.get(0).api()).isEqualTo(ApiConfig.DEFAULT);
    assertThat(seen.get(0).logFormat()).isEqualTo(LogFormat.TEXT);
  }

  static Stream<Arguments> badFiles() {
    return Stream.of(
        Arguments.of("unknown key, with a suggestion", "policy: p.yaml\nconntrack-maxx: 5\n",
            "key 'conntrack-maxx' unknown key (did you mean 'conntrack-max'?) (keys: allow-dpid, api, "),
        Arguments.of("unknown key", "policy: p.yaml\nbogus: 1\n", "key 'bogus' unknown key (keys: "),
        Arguments.of("config itself is no key", "config: other.yaml\n", "key 'config' unknown key"),
        Arguments.of("not an int", "policy: p.yaml\nconntrack-max: lots\n",
            "key 'conntrack-max' Invalid value for option '--conntrack-max': 'lots' is not an int"),
        Arguments.of("a converter's own error", "policy: p.yaml\nlisten: nowhere\n",
            "key 'listen' Invalid value for option '--listen': 'nowhere' is not HOST:PORT"),
        Arguments.of("a log format that is not one", "policy: p.yaml\nlog-format: xml\n",
            "key 'log-format' Invalid value for option '--log-format': 'xml' is not a log format (text, json)"),
        Arguments.of("a flag needs a boolean", "policy: p.yaml\nclear-flows-on-connect: yes please\n",
            "key 'clear-flows-on-connect' must be true or false, found 'yes please'"),
        Arguments.of("no value", "policy: p.yaml\nlisten:\n", "key 'listen' has no value"),
        Arguments.of("a mapping value", "policy: p.yaml\nlisten: {host: a}\n", "key 'listen' must be a single value"),
        Arguments.of("a list for a single value", "policy: [a, b]\n", "key 'policy' takes one value, not a list"),
        Arguments.of("a range check", "policy: p.yaml\nflow-mod-rate: 0\n", "--flow-mod-rate must be a number"),
        Arguments.of("no policy anywhere", "conntrack-max: 5\n", "no policy: give --policy FILE or the key 'policy' in"),
        Arguments.of("the policy is missing", "policy: nope.yaml\n", "cannot read policy file"),
        Arguments.of("not YAML", "policy: [unclosed\n", "is not valid YAML"),
        Arguments.of("duplicate key", "policy: p.yaml\npolicy: q.yaml\n", "is not valid YAML"),
        Arguments.of("a list document", "- policy\n", "must be a YAML mapping of run's options"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFiles")
  void aBadFileIsOneLineNamingTheKey(String name, String content, String message) throws IOException {
    file("p.yaml", "hosts: []\n");
    Path config = file("c.yaml", content);

    assertThat(run("run", "--config", config.toString())).isEqualTo(2);

    assertThat(err.toString()).startsWith("statewall: ").contains(message).doesNotContain("\tat ", "Exception");
    assertThat(err.toString().split("\\R")).hasSize(1);
    assertThat(seen).isEmpty();
  }

  @Test
  void aMissingConfigFileIsOneLine() {
    assertThat(run("run", "--config", dir.resolve("nope.yaml").toString())).isEqualTo(2);

    assertThat(err.toString()).isEqualTo("statewall: cannot read config file " + dir.resolve("nope.yaml")
        + ": no such file" + System.lineSeparator());
  }

  @Test
  void resolveGivesWhatRunWouldRunWith() throws Exception {
    file("p.yaml", "hosts: []\n");
    Path config = file("c.yaml", "policy: p.yaml\nflow-mod-rate: 10\n");

    RunOptions o = RunConfig.resolve(config);

    assertThat(o.policy()).isEqualTo(dir.resolve("p.yaml").toAbsolutePath());
    assertThat(o.limits().flowModRate()).isEqualTo(10);
    assertThatThrownBy(() -> RunConfig.resolve(file("bad.yaml", "policy: p.yaml\nflow-mod-rat: 1\n")))
        .isInstanceOf(UserError.class).hasMessageContaining("key 'flow-mod-rat' unknown key (did you mean 'flow-mod-rate'?)");
  }
}
