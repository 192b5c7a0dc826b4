package io.statewall.it.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtStats;
import io.statewall.firewall.Firewall;
import io.statewall.firewall.FirewallApp;
import io.statewall.firewall.forwarding.FlowModLimits;
import io.statewall.firewall.guard.PacketInGuard;
import io.statewall.apps.main.FirewallAssembler;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.ListenerResult;
import io.statewall.it.firewall.SwitchEntries;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.ExecResult;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.OvsSwitch;
import io.statewall.mininet.Topology;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFPacketIn;

/**
 * The flood target on real Open vSwitch: h3 sends a spoofed-source SYN flood (hping3, bounded in
 * time) at the seed's web server h1 (port 80, open to new connections, so every forged SYN is a NEW
 * connection conntrack must hold), and a second one at port 23 (refused: every forged SYN asks for a
 * drop entry), while h4 makes 100 legitimate HTTP connections to h1. At least 99 must succeed, the
 * controller's heap and conntrack table stay bounded and the flow-mods stay within their cap.
 */
class SynFloodTest {
  static final Path SEED = Path.of("..", "examples", "seed.yaml").toAbsolutePath().normalize();
  /** A small table, so that the flood fills it and early drop has to make room. */
  static final int CT_MAX = 2_000;
  /** Per port 1,000 packet-ins a second: h3's flood is cut to that in the switch, h4's port has its own. */
  static final PacketInGuard.Limits PACKET_INS = new PacketInGuard.Limits(1_000, 2_000, 4_000, 8_000);
  static final FlowModLimits FLOW_MODS = new FlowModLimits(500, 500, 0.5, 10);
  static final int FLOOD_SECONDS = 20;

  /** Counts every packet-in before the guard sees it. */
  static final class PacketInCounter implements App {
    final LongAdder seen = new LongAdder();

    @Override
    public String name() {
      return "packet-in-counter";
    }

    @Override
    public void start(AppContext context) {
      context.addMessageListener(OFPacketIn.class, -1, (sw, pi) -> {
        seen.increment();
        return ListenerResult.CONTINUE;
      });
    }
  }

  /** statewall in-process on loopback with the given limits, and a Mininet network of one OVS and four hosts. */
  static final class Lab implements AutoCloseable {
    final FirewallAssembler assembler;
    final PacketInCounter counter = new PacketInCounter();
    final Controller controller;
    MininetNetwork net;

    Lab(CtConfig conntrack, PacketInGuard.Limits packetIns, FlowModLimits flowMods) throws Exception {
      assembler = new FirewallAssembler(Firewall.DecisionListener.NONE, conntrack, packetIns, flowMods);
      List<App> apps = new ArrayList<>();
      apps.add(counter);
      apps.addAll(assembler.assemble(SEED));
      controller = new Controller(ControllerConfig.defaults().withListen("127.0.0.1", 0), apps);
      try {
        InetSocketAddress at = controller.start();
        net = MininetNetwork.builder().topology(Topology.single(4)).controller("127.0.0.1", at.getPort()).start();
        net.awaitControllerConnections(Duration.ofSeconds(20));
      } catch (Exception | Error e) {
        close();
        throw e;
      }
    }

    @Override
    public void close() {
      try {
        if (net != null) {
          net.close();
        }
      } finally {
        controller.close();
      }
    }
  }

  @Test
  void legitimateConnectionsGetInDuringASpoofedSynFloodAndTheControllerStaysBounded() throws Exception {
    try (Lab lab = new Lab(CtConfig.defaults().withMaxEntries(CT_MAX), PACKET_INS, FLOW_MODS)) {
      run(lab.net, lab.assembler.firewall(), lab.assembler.guard(), lab.counter);
    }
  }

  /**
   * s1's flow table is limited to 40 entries (OVS's {@code flow_limit}, overflow refused) and h3
   * floods a refused port from random sources: the switch answers TABLE_FULL, statewall stops
   * sending it drop entries for a while instead of answering every packet with a doomed flow-mod,
   * and h4's connections still get in (through the controller where their entries do not fit).
   */
  @Test
  void aSwitchWithAFullTableGetsNoDropEntriesForAWhileAndConnectionsStillGetIn() throws Exception {
    try (Lab lab = new Lab(CtConfig.defaults(), PACKET_INS, FLOW_MODS)) {
      Host server = lab.net.host("h1");
      Host attacker = lab.net.host("h3");
      Host client = lab.net.host("h4");
      OvsSwitch s1 = lab.net.ovsSwitch("s1");
      FirewallApp firewall = lab.assembler.firewall();
      try (BackgroundProcess web = server.start("cd /tmp && exec python3 -u -m http.server 80")) {
        web.awaitOutput("Serving HTTP", Duration.ofSeconds(10));
        await("h4 reaches the web server", Duration.ofSeconds(20), () -> curl(client, 1).equals("200"));
        await("the table-miss entries are metered", Duration.ofSeconds(10),
            () -> s1.ofctl("dump-flows").contains("meter:"));
        ExecResult limit = attacker.exec("ovs-vsctl -- --id=@ft create Flow_Table flow_limit=40 "
            + "overflow_policy=refuse -- set Bridge " + s1.name() + " flow_tables=0=@ft", Duration.ofSeconds(10));
        assertThat(limit.succeeded()).as("flow_limit set: %s", limit).isTrue();

        long seenBefore = lab.counter.seen.sum();
        long sentBefore = firewall.flowModsSent();
        String hping = "timeout -s INT 10 hping3 -q -S -i u1000 --rand-source -p 23 10.0.0.1 2>&1";
        try (BackgroundProcess flood = attacker.start(hping)) {
          await("the switch says its table is full", Duration.ofSeconds(8),
              () -> firewall.flowModBudget().tableFullErrors() > 0);
          ExecResult legit = client.exec("seq 20 | xargs -P 5 -n 1 sh -c "
              + "'curl -s -o /dev/null -m 10 -w \"%{http_code}\\n\" http://10.0.0.1/ || echo fail'",
              Duration.ofSeconds(30));
          flood.awaitOutput("packets tr", Duration.ofSeconds(20));
          long ok = legit.stdout().lines().filter("200"::equals).count();
          long packetIns = lab.counter.seen.sum() - seenBefore;
          long errors = firewall.flowModBudget().tableFullErrors();
          long flowMods = firewall.flowModsSent() - sentBefore;
          int entries = s1.dumpFlows().size();
          System.out.printf("""
              table full: flood %d SYNs; packet-ins %d; flow-mods sent %d; TABLE_FULL errors %d; \
              drop entries skipped %d; entries in s1 %d (limit 40); legitimate %d of 20
              """, transmitted(flood.stdout()), packetIns, flowMods, errors,
              firewall.flowModBudget().skippedDrops(), entries, ok);

          assertThat(ok).as("legitimate connections:\n" + legit.stdout()).isEqualTo(20);
          assertThat(entries).isLessThanOrEqualTo(40);
          assertThat(firewall.flowModBudget().skippedDrops()).as("drop entries held back").isPositive();
          assertThat(errors).as("TABLE_FULL errors, far fewer than the flood's packet-ins (" + packetIns + ")")
              .isLessThan(packetIns / 4);
        }
      }
    }
  }

  private void run(MininetNetwork net, FirewallApp firewall, PacketInGuard guard, PacketInCounter counter)
      throws Exception {
    Host server = net.host("h1");
    Host attacker = net.host("h3");
    Host client = net.host("h4");
    OvsSwitch s1 = net.ovsSwitch("s1");
    try (BackgroundProcess web = server.start("cd /tmp && exec python3 -u -m http.server 80")) {
      web.awaitOutput("Serving HTTP", Duration.ofSeconds(10));
      await("h4 reaches the web server", Duration.ofSeconds(20),
          () -> curl(client, 1).equals("200"));
      await("the table-miss entries are metered", Duration.ofSeconds(10),
          () -> s1.ofctl("dump-flows").contains("meter:"));
      String meters = s1.ofctl("dump-meters");
      assertThat(meters).contains("meter=1 pktps").contains("rate=4000");

      long heapBefore = usedHeapAfterGc();
      long flowModsBefore = firewall.flowModsSent();
      long seenBefore = counter.seen.sum();
      long guardBefore = guard.dropped();
      long start = System.nanoTime();
      // hping3 prints its statistics on SIGINT; -i u100 asks for 10,000 packets a second each
      String hping = "timeout -s INT " + FLOOD_SECONDS + " hping3 -q -S -i u100 --rand-source -p ";
      try (BackgroundProcess flood80 = attacker.start(hping + "80 10.0.0.1 2>&1");
          BackgroundProcess flood23 = attacker.start(hping + "23 10.0.0.1 2>&1")) {
        await("the flood fills the conntrack table", Duration.ofSeconds(FLOOD_SECONDS / 2),
            () -> firewall.tracker().stats().entries() >= CT_MAX * 9 / 10);

        ExecResult legit = client.exec("seq 100 | xargs -P 10 -n 1 sh -c "
            + "'curl -s -o /dev/null -m 10 -w \"%{http_code}\\n\" http://10.0.0.1/ || echo fail'",
            Duration.ofSeconds(FLOOD_SECONDS / 2));
        boolean floodStillOn = flood80.isAlive() && flood23.isAlive();
        long ok = legit.stdout().lines().filter("200"::equals).count();
        double legitSeconds = (System.nanoTime() - start) / 1e9;

        // the floods end by themselves (SIGINT from timeout: hping3 prints its statistics)
        flood80.awaitOutput("packets tr", Duration.ofSeconds(FLOOD_SECONDS + 10));
        flood23.awaitOutput("packets tr", Duration.ofSeconds(FLOOD_SECONDS + 10));
        String out80 = flood80.stdout();
        String out23 = flood23.stdout();
        double seconds = (System.nanoTime() - start) / 1e9;
        long sent80 = transmitted(out80);
        long sent23 = transmitted(out23);
        long flowMods = firewall.flowModsSent() - flowModsBefore;
        CtStats ct = firewall.tracker().stats();
        long heapAfter = usedHeapAfterGc();
        long meterDrops = meterBandPackets(s1.ofctl("meter-stats"));

        System.out.printf("""
            flood: %d SYNs to :80 and %d to :23 from random sources in %.1f s; legit curls took %.1f s
            packet-ins seen by the controller: %d; dropped by the guard: %d; dropped by the switch's meters: %d
            flow-mods sent: %d (cap %.0f/s + burst %.0f: %.0f); drop entries skipped: %d; connection entries skipped: %d
            conntrack: %d entries (max %d), %d early drops, %d created
            legitimate connections: %d of 100 (flood still running when they ended: %s)
            heap used after GC: %d MB before, %d MB after
            """, sent80, sent23, seconds, legitSeconds, counter.seen.sum() - seenBefore, guard.dropped() - guardBefore,
            meterDrops, flowMods, FLOW_MODS.rate(), FLOW_MODS.burst(), FLOW_MODS.rate() * seconds + 2 * FLOW_MODS.burst(),
            firewall.flowModBudget().skippedDrops(), firewall.flowModBudget().skippedConnections(), ct.entries(), CT_MAX,
            ct.earlyDrop(), ct.created(), ok, floodStillOn, heapBefore >> 20, heapAfter >> 20);

        assertThat(floodStillOn).as("every legitimate connection was made during the flood").isTrue();
        assertThat(ok).as("legitimate connections that succeeded:\n" + legit.stdout()).isGreaterThanOrEqualTo(99);
        assertThat(sent80 + sent23).as("the flood was sent").isGreaterThan(10_000);
        assertThat(ct.entries()).isLessThanOrEqualTo(CT_MAX);
        assertThat(flowMods).as("flow-mods within the cap (deletes may run one burst into debt)")
            .isLessThanOrEqualTo((long) (FLOW_MODS.rate() * seconds + 2 * FLOW_MODS.burst()));
        assertThat(heapAfter - heapBefore).as("heap growth").isLessThan(64L << 20);
      }
    }
  }

  private static String curl(Host client, int timeoutSeconds) {
    return client.exec("curl -s -o /dev/null -m " + timeoutSeconds + " -w '%{http_code}' http://10.0.0.1/",
        Duration.ofSeconds(timeoutSeconds + 5)).stdout().strip();
  }

  /** hping3's "N packets transmitted". */
  static long transmitted(String out) {
    Matcher m = Pattern.compile("(\\d+) packets tramitted|(\\d+) packets transmitted").matcher(out);
    long n = 0;
    while (m.find()) {
      n = Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return n;
  }

  /** Packets the meters' drop bands dropped, summed over the switch's meters. */
  static long meterBandPackets(String meterStats) {
    Matcher m = Pattern.compile("0: packet_count:(\\d+)").matcher(meterStats);
    long n = 0;
    while (m.find()) {
      n += Long.parseLong(m.group(1));
    }
    return n;
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    System.gc();
    Thread.sleep(200); // let a concurrent collector finish its cycle
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    SwitchEntries.await(what, timeout, condition);
  }
}
