package io.statewall.it.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.it.topology.InstalledEntries.SwitchEntry;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.ExecResult;
import io.statewall.mininet.Host;
import io.statewall.mininet.Topology;
import io.statewall.topology.Attachment;
import io.statewall.topology.Hop;
import io.statewall.topology.Link;
import io.statewall.topology.Path;
import io.statewall.topology.TopologyEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * A ring of four switches with no spanning tree protocol on the switches: floods follow the
 * controller's tree, so the loop never storms, and a connection survives a link of its path going
 * down.
 */
class RingForwardingTest extends RealSwitchForwardingTest {

  private static final int IPERF_PORT = 5201;

  @Override
  Topology topology() {
    return Topology.ring(4);
  }

  @Override
  List<List<String>> entryCheckPairs() {
    // h1-h2 leaves s3 and s4 alone; h1-h3 has two shortest paths and must use exactly one
    return List.of(List.of("h1", "h2"), List.of("h1", "h3"));
  }

  @Test
  @Order(10)
  void aFloodedFrameReachesEverySwitchOnceAlongTheTreeWithoutSpanningTreeOnTheSwitches() {
    Host h1 = n.host("h1");
    ExecResult stp = h1.exec("for b in s1 s2 s3 s4; do ovs-vsctl get bridge $b stp_enable "
        + "rstp_enable; done", Duration.ofSeconds(10));
    assertThat(stp.stdout().strip().split("\\s+")).as("no STP or RSTP on the switches: %s", stp)
        .containsOnly("false");

    // an ARP request nobody answers is flooded; a second one behind it marks when the first is done
    String unknown = "10.0.0.99";
    String marker = "10.0.0.98";
    long t0 = System.nanoTime();
    RawFrames.send(h1, List.of(RawFrames.arpRequest(h1, unknown), RawFrames.arpRequest(h1, marker)));
    Predicate<Recorder.PacketIn> markerIn = p -> p.atNanos() >= t0
        && RawFrames.isArpRequestFor(p.frame(), marker);
    Await.until("the marker flood reached all four switches", Duration.ofSeconds(10),
        () -> n.recorder().packetIns(markerIn).size() >= 4);

    List<Recorder.PacketIn> seen = n.recorder().packetIns(p -> p.atNanos() >= t0
        && RawFrames.isArpRequestFor(p.frame(), unknown));
    assertThat(seen).extracting(p -> p.at().sw().getLong())
        .as("each switch saw the flood exactly once (a loop would bring it back again and again)")
        .containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
    Set<Link> tree = n.service().links().stream()
        .filter(l -> n.service().broadcastPorts(l.a().sw()).contains(l.a().port()))
        .collect(Collectors.toSet());
    assertThat(tree).as("a spanning tree of the ring: all links but one").hasSize(3);
    for (Recorder.PacketIn p : seen) {
      boolean fromHost = p.at().equals(n.attachment("h1"));
      boolean overTree = tree.stream().anyMatch(l -> l.touches(p.at()));
      assertThat(fromHost || overTree).as("%s came in from h1 or over a tree link", p.at()).isTrue();
    }
  }

  @Test
  @Order(20)
  void aTransferCompletesWhenALinkOnItsPathGoesDownAndMovesToTheOtherWayRound() {
    Host client = n.host("h1");
    Host server = n.host("h3");
    Attachment from = n.attachment("h1");
    Attachment to = n.attachment("h3");
    Path before = n.service().path(from, to).orElseThrow();
    Link cut = before.links().get(0);
    String a = Wiring.switchName(cut.a().sw().getLong());
    String b = Wiring.switchName(cut.b().sw().getLong());
    try (BackgroundProcess iperfServer = server.start("exec iperf3 -s -1 -i 0.1 --forceflush -p "
        + IPERF_PORT)) {
      iperfServer.awaitOutput("Server listening", Duration.ofSeconds(10));
      // -R: the client receives, so its per-interval figures are what arrived, stalls included
      long iperfStarted = System.nanoTime();
      BackgroundProcess iperf = client.start("exec iperf3 -c " + server.ip() + " -p " + IPERF_PORT
          + " -R --get-server-output -t 3 -i 0.1 -b 20M --forceflush");
      try {
        iperf.awaitOutput(" 1.00-", Duration.ofSeconds(10)); // a second of steady transfer
        List<String> oldSwitches = switches(before);
        Map<String, Integer> entriesBefore = iperfEntriesPerSwitch(oldSwitches);
        assertThat(entriesBefore.values()).as("control and data connection, both ways, on %s",
            oldSwitches).allMatch(count -> count == 4);

        long t0 = System.nanoTime();
        n.net().linkDown(a, b);
        long commandReturned = System.nanoTime();
        Await.Timed<Recorder.Event> down = Await.value("LinkDown of " + cut, Duration.ofSeconds(5),
            () -> n.recorder().eventsSince(t0).stream()
                .filter(e -> e.event().equals(new TopologyEvent.LinkDown(cut,
                    TopologyEvent.Reason.PORT_DOWN)))
                .findFirst());
        long portStatusAt = n.recorder().portStatuses().stream()
            .filter(p -> p.atNanos() >= t0 && !p.up() && cut.touches(p.port()))
            .mapToLong(Recorder.PortStatus::atNanos).min().orElseThrow();
        Path after = n.service().path(from, to).orElseThrow();
        List<String> newSwitches = switches(after);
        assertThat(after.links()).doesNotContain(cut);
        List<String> gained = newSwitches.stream().filter(s -> !oldSwitches.contains(s)).toList();
        List<String> lost = oldSwitches.stream().filter(s -> !newSwitches.contains(s)).toList();
        assertThat(gained).as("the other way round the ring").isNotEmpty();
        Duration inSwitches = Await.until("iperf3's entries on " + gained, Duration.ofSeconds(5),
            () -> iperfEntriesPerSwitch(gained).values().stream().allMatch(c -> c == 4));
        Await.until("no entries of iperf3 left on " + lost, Duration.ofSeconds(5),
            () -> iperfEntriesPerSwitch(lost).values().stream().allMatch(c -> c == 0));
        assertThat(iperfEntriesPerSwitch(newSwitches).values()).as("both connections, both ways")
            .allMatch(c -> c == 4);

        Await.until("iperf3 to finish", Duration.ofSeconds(20), () -> !iperf.isAlive());
        ExecResult done = iperf.stop();
        IperfReport report = IperfReport.parse(done.stdout());
        double controllerMs = (down.atNanos() - portStatusAt) / 1e6;
        double switchMs = (commandReturned - t0 + inSwitches.toNanos()) / 1e6;
        System.out.printf("[topology-it] reroute on %s, cut %s-%s about %.2f s into the transfer: "
                + "%s -> %s; port-status to "
                + "LinkDown handled (new flow-mods written) %.1f ms; link-down command %.0f ms; "
                + "cut to entries seen in dump-flows %.0f ms (polled); endpoints: longest stall "
                + "%.1f s, slowest 0.1 s interval %.0f%% of the median, %d retransmissions %s, %d of %d "
                + "bytes received%n",
            topology(), a, b, (t0 - iperfStarted) / 1e9, oldSwitches, newSwitches, controllerMs,
            (commandReturned - t0) / 1e6, switchMs, report.longestStallSeconds(),
            100 * report.slowestIntervalShare(), report.retransmits(), report.retransmissionIntervals(), report.receivedBytes(),
            report.sentBytes());
        assertThat(done.exitCode()).as("iperf3 completed: %s", done).isZero();
        assertThat(report.receivedBytes()).as("the transfer went on after the cut: %s", report)
            .isPositive().isEqualTo(report.sentBytes());
        assertThat(report.intervals().get(report.intervals().size() - 1).bytes())
            .as("still flowing at the end").isPositive();
        assertThat(controllerMs).as("rerouted within 2 s of the port-status").isLessThan(2_000);
        assertThat(switchMs).as("new entries in the switches within 2 s of the cut")
            .isLessThan(2_000);
      } finally {
        iperf.close();
      }
    } finally {
      n.net().linkUp(a, b);
      Await.until("the cut link rediscovered", Duration.ofSeconds(10),
          () -> n.service().links().equals(n.wiring().links()));
    }
  }

  private static List<String> switches(Path p) {
    List<String> out = new ArrayList<>();
    for (Hop h : p.hops()) {
      out.add(Wiring.switchName(h.sw().getLong()));
    }
    return out;
  }

  /** Entries of iperf3's connections (to or from its port, h1 <-> h3) on each switch. */
  private Map<String, Integer> iperfEntriesPerSwitch(List<String> switches) {
    Map<String, Integer> out = new java.util.LinkedHashMap<>();
    for (String sw : switches) {
      List<SwitchEntry> all = InstalledEntries.dump(n.net(), sw);
      out.put(sw, (int) all.stream().filter(e -> e.match().containsKey("tcp")
          && (String.valueOf(IPERF_PORT).equals(e.match().get("tp_dst"))
              || String.valueOf(IPERF_PORT).equals(e.match().get("tp_src")))).count());
    }
    return out;
  }
}
