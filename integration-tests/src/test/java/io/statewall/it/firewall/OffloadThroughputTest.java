package io.statewall.it.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.Firewall;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.FlowEntry;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Offload proof on a chain s1-s2-s3: a 10 s iperf3 TCP transfer from h3 into the seed's server h1
 * (iperf3 on port 80, which its rules let in) reaches the controller only for its handshakes; the
 * exact entries on all three switches carry the bytes. The same transfer on the same topology with
 * Open vSwitch as a learning switch (no controller) is the throughput baseline, measured in the
 * same run and reported, not asserted.
 */
class OffloadThroughputTest {
  static final Pattern RECEIVER = Pattern.compile("([\\d.]+) (G|M)Bytes\\s+([\\d.]+) Mbits/sec\\s+receiver");
  static final AtomicLong judged = new AtomicLong();
  static final AtomicLong other = new AtomicLong();
  static FirewallNetwork fw;
  static final List<String> seen = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void start() throws Exception {
    // the transfer's own packets (iperf3's control and data connections, both to port 80); the
    // hosts' IPv6 multicast chatter reaches the controller too and is counted apart
    Firewall.DecisionListener count = (p, at, j) -> {
      if (p.isTcp() && (p.dstPort() == 80 || p.srcPort() == 80)) {
        judged.incrementAndGet();
        seen.add(p.src() + ":" + p.srcPort() + ">" + p.dst() + ":" + p.dstPort() + " flags " + p.tcpFlags()
            + " " + j.verdict() + " " + j.state() + " offload " + j.install());
      } else {
        other.incrementAndGet();
      }
    };
    fw = FirewallNetwork.start(FirewallNetwork.EXAMPLES.resolve("seed.yaml"), Topology.linear(3), count);
  }

  @AfterAll
  static void stop() {
    if (fw != null) {
      fw.close();
    }
  }

  /** Result of one 10 s transfer: packets judged between seconds 2 and 9, and the receiver's figures. */
  record Transfer(long judgedDuringSteadyState, double megabytes, double mbitsPerSecond) {}

  static Transfer iperf(MininetNetwork net, AtomicLong counter) throws Exception {
    Host server = net.host("h1");
    Host client = net.host("h3");
    try (BackgroundProcess s = server.start("exec iperf3 -s -p 80 -1")) {
      Probes.awaitListening(server, "tcp", 80);
      try (BackgroundProcess c = client.start("exec iperf3 -c 10.0.0.1 -p 80 -t 10 -i 1 -f m --forceflush")) {
        awaitIntervals(c, 2);
        long atTwo = counter.get();
        awaitIntervals(c, 9);
        long atNine = counter.get();
        c.awaitOutput("receiver", Duration.ofSeconds(15));
        Matcher m = RECEIVER.matcher(c.stdout());
        assertThat(m.find()).as("iperf3 summary in:\n" + c.stdout()).isTrue();
        double mb = Double.parseDouble(m.group(1)) * (m.group(2).equals("G") ? 1024 : 1);
        return new Transfer(atNine - atTwo, mb, Double.parseDouble(m.group(3)));
      }
    }
  }

  /** Waits until iperf3 has reported {@code n} one-second intervals. */
  static void awaitIntervals(BackgroundProcess c, int n) throws InterruptedException {
    FirewallNetwork.await(n + " iperf3 intervals", Duration.ofSeconds(20),
        () -> c.stdout().lines().filter(l -> l.contains(" sec ") && l.contains("Mbits/sec")
            && !l.contains("sender") && !l.contains("receiver")).count() >= n);
  }

  @Test
  void aTransferRunsInTheSwitchesAtNearLearningSwitchSpeed() throws Exception {
    Transfer through = iperf(fw.net, judged);
    long[] bytesPerSwitch = new long[3];
    for (int i = 0; i < 3; i++) {
      bytesPerSwitch[i] = fw.connectionEntries("s" + (i + 1), "nw_src=10.0.0.3", "tp_dst=80").stream()
          .mapToLong(FlowEntry::bytes).sum();
    }
    Transfer plain;
    try (MininetNetwork standalone = MininetNetwork.builder().topology(Topology.linear(3)).standalone().start()) {
      plain = iperf(standalone, new AtomicLong());
    }
    System.out.printf("offload: packets of the transfer judged by the controller: %d in all, %d during seconds 2-9"
        + " (other packet-ins, IPv6 multicast chatter: %d)%n"
        + "offload: bytes on the exact entries s1/s2/s3: %d / %d / %d (iperf3 received %.0f MB)%n"
        + "offload: throughput through statewall %.0f Mbit/s, learning switch %.0f Mbit/s, ratio %.2f"
        + " (same run, 2 shared cores, under contention)%n",
        judged.get(), through.judgedDuringSteadyState(), other.get(), bytesPerSwitch[0], bytesPerSwitch[1], bytesPerSwitch[2],
        through.megabytes(), through.mbitsPerSecond(), plain.mbitsPerSecond(),
        through.mbitsPerSecond() / plain.mbitsPerSecond());

    assertThat(through.judgedDuringSteadyState()).as("packet-ins after the handshake: " + seen).isZero();
    long received = (long) (through.megabytes() * 1024 * 1024);
    for (int i = 0; i < 3; i++) {
      assertThat(bytesPerSwitch[i]).as("bytes carried by s" + (i + 1)).isGreaterThan(received * 9 / 10);
    }
  }
}
