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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  private static final int ECHO_PORT = 7777;
  private static final int LONG_LIVED = 16;

  /**
   * Counts connections across the cut: argv dst, port, seconds. {@value #LONG_LIVED} connections
   * stay open the whole time, each sending a numbered line every 50 ms and checking its echo; beside
   * them a new connection is opened every 50 ms, echoes one line and closes. Prints one summary line.
   */
  private static final String COUNT_CONNECTIONS = String.join("\n",
      "import socket, sys, time, threading",
      "dst, port, dur = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])",
      "end = time.time() + dur",
      "lost = []",
      "def echo(c, msg):",
      "    c.sendall(msg)",
      "    got = b''",
      "    while not got.endswith(b'\\n'):",
      "        chunk = c.recv(100)",
      "        if not chunk:",
      "            raise Exception('closed')",
      "        got += chunk",
      "    if got != msg:",
      "        raise Exception('bad echo %r' % got)",
      "def long_lived(i):",
      "    try:",
      "        c = socket.create_connection((dst, port), timeout=5)",
      "        n = 0",
      "        while time.time() < end:",
      "            echo(c, b'%d-%d\\n' % (i, n))",
      "            n += 1",
      "            time.sleep(0.05)",
      "        c.close()",
      "    except Exception as e:",
      "        lost.append('long %d: %r' % (i, e))",
      "threads = [threading.Thread(target=long_lived, args=(i,)) for i in range(" + LONG_LIVED + ")]",
      "for t in threads:",
      "    t.start()",
      "opened = 0",
      "while time.time() < end:",
      "    opened += 1",
      "    try:",
      "        c = socket.create_connection((dst, port), timeout=5)",
      "        echo(c, b'new-%d\\n' % opened)",
      "        c.close()",
      "    except Exception as e:",
      "        lost.append('new %d: %r' % (opened, e))",
      "    time.sleep(0.05)",
      "for t in threads:",
      "    t.join()",
      "print('connections long-lived %d new %d lost %d %s' % (len(threads), opened, len(lost), lost))");

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
        + IPERF_PORT);
        BackgroundProcess echoServer = server.start("exec socat TCP-LISTEN:" + ECHO_PORT
            + ",fork,reuseaddr EXEC:cat")) {
      iperfServer.awaitOutput("Server listening", Duration.ofSeconds(10));
      Await.until("the echo server listens", Duration.ofSeconds(10),
          () -> server.exec("ss -ltn 'sport = :" + ECHO_PORT + "' | grep -q LISTEN").succeeded());
      // besides iperf3's transfer: connections that must all survive the cut, counted
      BackgroundProcess counter = client.start("/usr/bin/python3 - " + server.ip() + " " + ECHO_PORT
          + " 5 <<'EOF'\n" + COUNT_CONNECTIONS + "\nEOF\n");
      // -R: the client receives, so its per-interval figures are what arrived, stalls included
      long iperfStarted = System.nanoTime();
      BackgroundProcess iperf = client.start("exec iperf3 -c " + server.ip() + " -p " + IPERF_PORT
          + " -R --get-server-output -t 3 -i 0.1 -b 20M --forceflush");
      try {
        // a second of steady transfer: the first interval to start after 1 s (on a loaded machine
        // iperf3's 0.1 s intervals drift, "0.51-1.03" then "1.03-1.10", and " 1.00-" never comes)
        iperf.awaitOutput(Pattern.compile(" 1\\.\\d\\d-"), Duration.ofSeconds(10));
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
        Await.until("the connection counter to finish", Duration.ofSeconds(20), () -> !counter.isAlive());
        String counted = counter.stop().stdout();
        System.out.printf("[topology-it] across the cut: %s%n", counted.strip());
        Matcher m = Pattern.compile("long-lived (\\d+) new (\\d+) lost (\\d+)").matcher(counted);
        assertThat(m.find()).as("the counter's summary: %s", counted).isTrue();
        assertThat(Integer.parseInt(m.group(1))).isEqualTo(LONG_LIVED);
        assertThat(Integer.parseInt(m.group(2))).as("new connections opened around the cut").isGreaterThan(20);
        assertThat(Integer.parseInt(m.group(3))).as("connections lost across the cut: %s", counted).isZero();
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
