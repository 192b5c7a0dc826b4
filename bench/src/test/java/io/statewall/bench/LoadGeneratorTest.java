package io.statewall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.protocol.OFVersion;

/** Emulated switches against the stub controller, over real TCP on 127.0.0.1. */
@Timeout(120) // a guard against hangs, not a performance assertion
class LoadGeneratorTest {
  private StubController stub;
  private InetSocketAddress address;

  @BeforeEach
  void startStub() throws InterruptedException {
    stub = new StubController(1);
    address = stub.start();
  }

  @AfterEach
  void stopStub() {
    stub.close();
  }

  static Stream<Arguments> runs() {
    return Stream.of(
        Arguments.of(LoadMode.THROUGHPUT, OFVersion.OF_13),
        Arguments.of(LoadMode.LATENCY, OFVersion.OF_13),
        Arguments.of(LoadMode.THROUGHPUT, OFVersion.OF_10),
        Arguments.of(LoadMode.LATENCY, OFVersion.OF_10));
  }

  @ParameterizedTest(name = "{0} over OpenFlow {1}")
  @MethodSource("runs")
  void handshakesAndCountsConnectionsSetUpByTheStub(LoadMode mode, OFVersion version)
      throws Exception {
    LoadConfig config = LoadConfig.of(3, mode, Duration.ofMillis(800)).withVersion(version)
        .withWindow(16).forStub();
    List<Progress> progress = new ArrayList<>();

    LoadResult r = new LoadGenerator(config).run(address, "stub", progress::add);

    assertThat(r.completed()).isPositive();
    assertThat(r.denied()).isZero();
    assertThat(r.timedOut()).isZero();
    assertThat(r.latency().count()).isPositive();
    assertThat(r.latency().p50()).isPositive().isLessThanOrEqualTo(r.latency().p99());
    assertThat(r.newConnectionsPerSecond()).isPositive();
    assertThat(r.warnings()).isEmpty();
  }

  /**
   * The ceiling of whole connections: the handshake stub answers the SYN, the SYN-ACK and the ACK
   * as statewall does (packet-outs at the far end, the ACK's four entries at both ends), so that the
   * emulated hosts complete every handshake and each connection is set up, none timed out.
   */
  @ParameterizedTest(name = "over OpenFlow {0}")
  @MethodSource("versions")
  void theHandshakeStubSetsUpWholeConnections(OFVersion version) throws Exception {
    try (StubController handshakes = StubController.answeringHandshakes(1)) {
      InetSocketAddress at = handshakes.start();
      LoadConfig config = LoadConfig.of(3, LoadMode.THROUGHPUT, Duration.ofMillis(800)).withVersion(version)
          .withWindow(16).withExpectation(FlowExpectation.HANDSHAKE, false);

      LoadResult r = new LoadGenerator(config).run(at, "stub", p -> { });

      assertThat(r.completed()).isGreaterThan(100);
      assertThat(r.timedOut()).isZero();
      assertThat(r.denied()).isZero();
      assertThat(r.warnings()).isEmpty();
    }
  }

  static Stream<OFVersion> versions() {
    return Stream.of(OFVersion.OF_13, OFVersion.OF_10);
  }

  @org.junit.jupiter.api.Test
  void aControllerThatDiscoversTheLineAndProgramsWholePathsIsMeasured() throws Exception {
    try (PathController controller = new PathController()) {
      InetSocketAddress at = controller.start();
      // the default expectation: flow-mods on both switches of the path, LLDP on every link;
      // two generator threads, so parts of one connection arrive on different threads
      LoadConfig config = LoadConfig.of(4, LoadMode.THROUGHPUT, Duration.ofMillis(800))
          .withWindow(8).withThreads(2);

      LoadResult r = new LoadGenerator(config).run(at, "path", p -> { });

      assertThat(r.warnings()).as("discovery and probes completed").isEmpty();
      assertThat(r.completed()).isPositive();
      assertThat(r.timedOut()).isZero();
    }
  }

  @org.junit.jupiter.api.Test
  void aPacedRunNeverSendsFasterThanItsRate() throws Exception {
    double rate = 1_000;
    int window = 4;
    LoadConfig config = LoadConfig.of(2, LoadMode.THROUGHPUT, Duration.ofMillis(800))
        .withWindow(window).withRate(rate).forStub();

    LoadResult r = new LoadGenerator(config).run(address, "stub", p -> { });

    // contention can only slow it down; the credit of a switch is capped at its window
    double ceiling = rate * r.elapsed().toNanos() / 1e9 + 2 * window;
    assertThat(r.completed()).isPositive().isLessThanOrEqualTo((long) ceiling);
    assertThat(r.timedOut()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pathRuns")
  void aStubAnsweringOnlyTheIngressNeverCompletesAPathConnection(LoadMode mode) throws Exception {
    // the stub sends no egress flow-mod and no LLDP: with PATH expected, nothing completes
    LoadConfig config = LoadConfig.of(2, mode, Duration.ofMillis(300))
        .withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(300), Duration.ofMillis(100));

    LoadResult r = new LoadGenerator(config).run(address, "stub", p -> { });

    assertThat(r.completed()).isZero();
    assertThat(r.timedOut()).isPositive();
    assertThat(r.warnings()).anyMatch(w -> w.contains("LLDP"))
        .anyMatch(w -> w.contains("probe"));
  }

  static Stream<LoadMode> pathRuns() {
    return Stream.of(LoadMode.THROUGHPUT);
  }
}
