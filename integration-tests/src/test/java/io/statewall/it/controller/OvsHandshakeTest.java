package io.statewall.it.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.ConnectedSwitch;
import io.statewall.controller.switches.SwitchHandle;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.projectfloodlight.openflow.protocol.OFVersion;

/**
 * Real Open vSwitch bridges (userspace datapath, fail-secure) against the controller running in-process:
 * the handshake at each version, the table-miss entry as ovs-ofctl sees it, and a deleted bridge reported.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OvsHandshakeTest {
  /** What the test app heard, with the switch's datapath id. */
  private record Event(String kind, long dpid, OFVersion version, Duration handshake) {}

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private Controller controller;
  private int port;

  @BeforeAll
  void start() throws Exception {
    OvsCommands.ensureRunning();
    App recorder = new App() {
      @Override
      public String name() {
        return "ovs-test-recorder";
      }

      @Override
      public void start(AppContext context) {
        context.addSwitchListener(0, new SwitchListener() {
          @Override
          public void switchReady(SwitchHandle sw) {
            Duration took = ((ConnectedSwitch) sw).handshakeDuration().orElseThrow();
            events.add(new Event("ready", sw.id().getLong(), sw.version(), took));
          }

          @Override
          public void switchDisconnected(SwitchHandle sw) {
            events.add(new Event("disconnected", sw.id().getLong(), sw.version(), Duration.ZERO));
          }
        });
      }
    };
    controller = new Controller(ControllerConfig.defaults().withListen("127.0.0.1", 0), List.of(recorder));
    InetSocketAddress bound = controller.start();
    port = bound.getPort();
  }

  @AfterAll
  void stop() {
    if (controller != null) {
      controller.close();
    }
  }

  private Event await(String kind, long dpid) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      Event e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (e != null && e.kind().equals(kind) && e.dpid() == dpid) {
        return e;
      }
    }
    throw new AssertionError("no '" + kind + "' event for dpid " + Long.toHexString(dpid) + " within 20 s");
  }

  @ParameterizedTest(name = "{0} offered, {1} negotiated")
  @CsvSource({
    "OpenFlow10, OF_10, OpenFlow10",
    "OpenFlow13, OF_13, OpenFlow13",
    "OpenFlow15, OF_15, OpenFlow15",
    "OpenFlow10|OpenFlow13|OpenFlow15, OF_15, OpenFlow15"
  })
  void bridgeConnectsGetsTheTableMissEntryAndIsReportedGoneWhenDeleted(
      String offered, OFVersion expected, String ofctlVersion) throws Exception {
    String bridge = OvsCommands.uniqueBridgeName();
    try {
      OvsCommands.addBridge(bridge, offered, "tcp:127.0.0.1:" + port);
      long dpid = OvsCommands.datapathId(bridge);

      Event ready = await("ready", dpid);
      assertThat(ready.version()).isEqualTo(expected);

      String flows = OvsCommands.run("ovs-ofctl", "-O", ofctlVersion, "dump-flows", bridge);
      assertThat(flows.lines().filter(l -> l.contains("cookie=")).toList())
          .as("exactly the table-miss entry, flows from before were deleted")
          .singleElement()
          .satisfies(l -> assertThat(l).contains("priority=0").contains("actions=CONTROLLER:65535"));

      OvsCommands.deleteBridge(bridge);
      await("disconnected", dpid);
      assertThat(controller.switches().get(org.projectfloodlight.openflow.types.DatapathId.of(dpid))).isEmpty();
    } finally {
      OvsCommands.deleteBridge(bridge);
    }
  }

  /** Median over several bridges of accept-to-ready, and of add-br-to-ready; printed for the report. */
  @Test
  void handshakeTimeOfOneBridge() throws Exception {
    int runs = 5;
    List<Long> controllerMicros = new ArrayList<>();
    List<Long> endToEndMicros = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      String bridge = OvsCommands.uniqueBridgeName();
      try {
        long t0 = System.nanoTime();
        OvsCommands.addBridge(bridge, "OpenFlow13", "tcp:127.0.0.1:" + port);
        long dpid = OvsCommands.datapathId(bridge);
        Event ready = await("ready", dpid);
        endToEndMicros.add((System.nanoTime() - t0) / 1000);
        controllerMicros.add(ready.handshake().toNanos() / 1000);
        OvsCommands.deleteBridge(bridge);
        await("disconnected", dpid);
      } finally {
        OvsCommands.deleteBridge(bridge);
      }
    }
    controllerMicros.sort(null);
    endToEndMicros.sort(null);
    System.out.printf("OVS handshake at OpenFlow 1.3, median of %d: accept-to-ready %.1f ms, "
            + "add-br-to-ready %.1f ms (all accept-to-ready: %s us)%n",
        runs, controllerMicros.get(runs / 2) / 1000.0, endToEndMicros.get(runs / 2) / 1000.0, controllerMicros);
    assertThat(controllerMicros).allSatisfy(us -> assertThat(us).isPositive());
  }
}
