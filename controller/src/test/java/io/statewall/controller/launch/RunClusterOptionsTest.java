package io.statewall.controller.launch;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.ControllerConfig.FlowsOnConnect;
import io.statewall.controller.launch.ClusterOptions.Peer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code run --cluster NAME --member ID --peers ID=HOST:PORT,...}, and the config file's {@code cluster:} section. */
class RunClusterOptionsTest {
  private static final String PEERS = "A=127.0.0.1:47800,B=127.0.0.1:47801,C=127.0.0.1:47802";

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final List<RunOptions> seen = new ArrayList<>();
  private final AppAssembler assembler = options -> {
    seen.add(options);
    throw new UserError("stop here");
  };
  private Path policy;

  @BeforeEach
  void policy() throws IOException {
    policy = Files.writeString(dir.resolve("p.yaml"), "hosts: []\n");
  }

  private int run(String... args) {
    List<String> all = new ArrayList<>(List.of("run", "--policy", policy.toString()));
    all.addAll(List.of(args));
    AtomicReference<Thread> hook = new AtomicReference<>();
    return StatewallCli.execute(all.toArray(String[]::new), assembler, hook::set, new PrintWriter(out, true),
        new PrintWriter(err, true));
  }

  private static ClusterOptions expected() {
    return new ClusterOptions("prod", "B", List.of(new Peer("A", new HostPort("127.0.0.1", 47800)),
        new Peer("B", new HostPort("127.0.0.1", 47801)), new Peer("C", new HostPort("127.0.0.1", 47802))));
  }

  @Test
  void withoutClusterOptionsTheProcessRunsOnItsOwn() {
    run();

    assertThat(seen.get(0).cluster()).isEmpty();
    assertThat(seen.get(0).controller().flowsOnConnect()).isEqualTo(FlowsOnConnect.KEEP);
  }

  @Test
  void theClusterOptionsNameEveryMemberAndThisOne() {
    run("--cluster", "prod", "--member", "B", "--peers", PEERS);

    ClusterOptions c = seen.get(0).cluster().orElseThrow();
    assertThat(c).isEqualTo(expected());
    assertThat(c.self()).isEqualTo(new HostPort("127.0.0.1", 47801));
    assertThat(c.others()).containsExactly(new HostPort("127.0.0.1", 47800), new HostPort("127.0.0.1", 47802));
    assertThat(c.ids()).containsExactly("A", "B", "C");
    assertThat(seen.get(0).controller().flowsOnConnect()).isEqualTo(FlowsOnConnect.KEEP);
  }

  @Test
  void peersMayBeRepeatedInsteadOfCommaSeparated() {
    run("--cluster", "prod", "--member", "B", "--peers", "A=127.0.0.1:47800", "--peers", "B=127.0.0.1:47801",
        "--peers", "C=127.0.0.1:47802");

    assertThat(seen.get(0).cluster()).contains(expected());
  }

  static Stream<Arguments> badOptions() {
    return Stream.of(
        Arguments.of("member without cluster", List.of("--member", "A"), "--member needs --cluster NAME"),
        Arguments.of("peers without cluster", List.of("--peers", PEERS), "--peers needs --cluster NAME"),
        Arguments.of("cluster without peers", List.of("--cluster", "prod", "--member", "A"),
            "--cluster prod needs --member ID and --peers"),
        Arguments.of("cluster without member", List.of("--cluster", "prod", "--peers", PEERS),
            "--cluster prod needs --member ID and --peers"),
        Arguments.of("this member not among the peers", List.of("--cluster", "prod", "--member", "D", "--peers", PEERS),
            "--cluster: member D is not one of the peers [A, B, C]"),
        Arguments.of("a peer without an id", List.of("--cluster", "prod", "--member", "A", "--peers", "127.0.0.1:47800"),
            "--peers: peer '127.0.0.1:47800' is not ID=HOST:PORT"),
        Arguments.of("a peer without a port", List.of("--cluster", "prod", "--member", "A", "--peers", "A=127.0.0.1"),
            "--peers: '127.0.0.1' is not HOST:PORT"),
        Arguments.of("port 0", List.of("--cluster", "prod", "--member", "A", "--peers", "A=127.0.0.1:0"),
            "a member needs a fixed port, not 0"),
        Arguments.of("an id twice", List.of("--cluster", "prod", "--member", "A", "--peers",
            "A=127.0.0.1:47800,A=127.0.0.1:47801"), "member A is listed twice"),
        Arguments.of("an address twice", List.of("--cluster", "prod", "--member", "A", "--peers",
            "A=127.0.0.1:47800,B=127.0.0.1:47800"), "two members have the address 127.0.0.1:47800"),
        Arguments.of("the name that means no cluster", List.of("--cluster", "none", "--member", "A", "--peers",
            "A=127.0.0.1:47800"), "'none' is not a cluster name"),
        Arguments.of("a name with a space", List.of("--cluster", "my cluster", "--member", "A", "--peers",
            "A=127.0.0.1:47800"), "cluster name 'my cluster' must be"),
        Arguments.of("mastership without cluster", List.of("--cluster-mastership", "network"),
            "--cluster-mastership needs --cluster NAME"),
        Arguments.of("an unknown mastership", List.of("--cluster", "prod", "--member", "A", "--peers", PEERS,
            "--cluster-mastership", "random"), "mastership 'random': expected one of [per-switch, network]"),
        Arguments.of("balancing without cluster", List.of("--cluster-balance-after", "5"),
            "--cluster-balance-after needs --cluster NAME"),
        Arguments.of("a negative settle time", List.of("--cluster", "prod", "--member", "A", "--peers", PEERS,
            "--cluster-balance-after", "-1"), "balance-after -1 s: not negative (0: never)"),
        Arguments.of("clearing flows would wipe the master's entries", List.of("--cluster", "prod", "--member", "A",
            "--peers", PEERS, "--clear-flows-on-connect"), "--clear-flows-on-connect cannot be used with --cluster"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badOptions")
  void badClusterOptionsAreUserErrors(String name, List<String> args, String message) {
    assertThat(run(args.toArray(String[]::new))).isEqualTo(StatewallCli.USER_ERROR);

    assertThat(seen).isEmpty();
    assertThat(err.toString()).contains(message);
  }

  @Test
  void mastershipIsPerSwitchUnlessTheCommandLineOrTheSectionSaysNetwork() throws Exception {
    assertThat(expected().mastership()).isEqualTo("per-switch");
    run("--cluster", "prod", "--member", "B", "--peers", PEERS, "--cluster-mastership", "network");
    assertThat(seen.get(0).cluster().orElseThrow().mastership()).isEqualTo("network");

    Path config = Files.writeString(dir.resolve("m.yaml"), """
        policy: p.yaml
        cluster:
          name: prod
          member: B
          peers: [A=127.0.0.1:47800, B=127.0.0.1:47801, C=127.0.0.1:47802]
          mastership: network
        """);
    assertThat(RunConfig.resolve(config).cluster().orElseThrow().mastership()).isEqualTo("network");
  }

  @Test
  void theLeaderBalancesAfterTenQuietSecondsUnlessTheCommandLineOrTheSectionSaysOtherwise() throws Exception {
    assertThat(expected().balanceAfter()).isEqualTo(java.time.Duration.ofSeconds(10));
    run("--cluster", "prod", "--member", "B", "--peers", PEERS, "--cluster-balance-after", "0");
    assertThat(seen.get(0).cluster().orElseThrow().balanceAfter()).isZero();

    Path config = Files.writeString(dir.resolve("b.yaml"), """
        policy: p.yaml
        cluster:
          name: prod
          member: B
          peers: [A=127.0.0.1:47800, B=127.0.0.1:47801, C=127.0.0.1:47802]
          balance-after: 30
        """);
    assertThat(RunConfig.resolve(config).cluster().orElseThrow().balanceAfter()).isEqualTo(java.time.Duration.ofSeconds(30));
  }

  @Test
  void aClusterSectionInTheConfigFileIsTheThreeOptions() throws Exception {
    Path config = Files.writeString(dir.resolve("c.yaml"), """
        policy: p.yaml
        cluster:
          name: prod
          member: B
          peers: [A=127.0.0.1:47800, B=127.0.0.1:47801, C=127.0.0.1:47802]
        """);

    RunOptions o = RunConfig.resolve(config);

    assertThat(o.cluster()).contains(expected());
  }

  @Test
  void theSectionsKeysMayAlsoBeWrittenFlat() throws Exception {
    Path config = Files.writeString(dir.resolve("c.yaml"), """
        policy: p.yaml
        cluster: prod
        cluster-member: B
        cluster-peers: [A=127.0.0.1:47800, B=127.0.0.1:47801, C=127.0.0.1:47802]
        """);

    assertThat(RunConfig.resolve(config).cluster()).contains(expected());
  }

  @Test
  void theCommandLineWinsOverTheSection() throws Exception {
    Path config = Files.writeString(dir.resolve("c.yaml"), """
        policy: p.yaml
        cluster: {name: prod, member: A, peers: [A=127.0.0.1:47800, B=127.0.0.1:47801, C=127.0.0.1:47802]}
        """);

    run("--config", config.toString(), "--member", "B");

    assertThat(seen.get(0).cluster()).contains(expected());
  }

  static Stream<Arguments> badSections() {
    return Stream.of(
        Arguments.of("an unknown key in the section", "cluster: {name: prod, member: A, peer: [A=127.0.0.1:1]}\n",
            "key 'cluster.peer' unknown key (keys of the section 'cluster': name, balance-after, mastership, member, peers)"),
        Arguments.of("a key set twice", "cluster-member: A\ncluster: {name: prod, member: A}\n",
            "key 'cluster.member' is set twice"),
        Arguments.of("a member not among the peers", "cluster: {name: prod, member: Z, peers: [A=127.0.0.1:1]}\n",
            "member Z is not one of the peers [A]"),
        Arguments.of("a section with no peers", "cluster: {name: prod, member: A}\n", "needs --member ID and --peers"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSections")
  void badSectionsAreUserErrorsThatSayWhere(String name, String section, String message) throws Exception {
    Path config = Files.writeString(dir.resolve("c.yaml"), "policy: p.yaml\n" + section);

    assertThat(run("--config", config.toString())).isEqualTo(StatewallCli.USER_ERROR);

    assertThat(err.toString()).contains(message);
    assertThat(seen).isEmpty();
  }

  @Test
  void noSectionMeansNoCluster() throws Exception {
    Path config = Files.writeString(dir.resolve("c.yaml"), "policy: p.yaml\n");

    assertThat(RunConfig.resolve(config).cluster()).isEqualTo(Optional.empty());
  }
}
