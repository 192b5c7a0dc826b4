package io.statewall.firewall.bench;

import io.statewall.firewall.Firewall;
import io.statewall.firewall.FirewallApp;
import io.statewall.firewall.FirewallParts;
import io.statewall.firewall.FirewallSettings;
import io.statewall.firewall.FlowReconciler;
import io.statewall.firewall.SwitchEntry;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.FlowModBudget;
import io.statewall.firewall.forwarding.fakes.FakeAppContext;
import io.statewall.firewall.forwarding.fakes.TestFrames;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologySettings;
import io.statewall.topology.fakes.FakeSwitch;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;

/**
 * A switch's flow table of N offloaded SSH connections (two entries each) read back: parsing the
 * entries alone (the baseline), a reconnect reconciliation (all tracked: kept), and the restart's
 * adoption (each connection judged by the seed policy and inserted into conntrack).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ReconcileBenchmark {
  @Param("10000")
  int connections;

  private FakeSwitch sw;
  private List<OFFlowStatsEntry> table;
  private FlowReconciler tracked;
  private FlowReconciler empty;
  private FakeAppContext emptyCtx;

  @Setup(Level.Trial)
  public void build() throws Exception {
    sw = FakeSwitch.of13(1, 1, 2);
    OFFactory f = sw.factory();
    table = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      ExactMatch c = new ExactMatch(Packet.ETH_IPV4, TestFrames.mac(4), TestFrames.mac(1), -1,
          IPv4Address.of(0x0A00_0000 | (4 + (i >>> 14) << 16) | (i & 0x3FFF)), IPv4Address.of("10.0.0.1"),
          Packet.PROTO_TCP, 10000 + (i % 50000), 22, -1, -1);
      table.add(entry(f, c, 2, 1));
      table.add(entry(f, c.reverse().orElseThrow(), 1, 2));
    }
    tracked = reconciler(new FakeAppContext());
    tracked.apply(sw, table, true, System.nanoTime()); // everything tracked now
    sw.clear();
  }

  @Setup(Level.Invocation)
  public void fresh() throws Exception {
    emptyCtx = new FakeAppContext();
    empty = reconciler(emptyCtx);
    sw.clear();
  }

  private FlowReconciler reconciler(FakeAppContext ctx) throws Exception {
    TopologyApp topology = TopologyApp.create(TopologySettings.DEFAULTS);
    topology.start(ctx);
    FirewallApp app = FirewallApp.standalone(new FirewallParts.Inputs(
        new PolicyHolder(new PolicyLoader().load(seed())),
        new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of()), topology.service(),
        FirewallSettings.DEFAULTS, Firewall.DecisionListener.NONE, FlowModBudget.defaults()));
    app.start(ctx);
    return app.reconciler();
  }

  /** The seed policy, from the repository root or the apps module (where surefire runs). */
  private static Path seed() {
    Path here = Path.of("examples", "seed.yaml");
    return java.nio.file.Files.exists(here) ? here : Path.of("..", "examples", "seed.yaml");
  }

  private static OFFlowStatsEntry entry(OFFactory f, ExactMatch m, int in, int out) {
    return f.buildFlowStatsEntry().setTableId(TableId.ZERO).setPriority(FirewallSettings.DEFAULTS.priority())
        .setCookie(ConnectionCookie.of(m)).setMatch(m.toMatch(f, OFPort.of(in)).orElseThrow())
        .setInstructions(List.of(f.instructions().applyActions(List.of(f.actions().output(OFPort.of(out), 0xFFFF)))))
        .build();
  }

  @Benchmark
  public void parseOnly(Blackhole bh) {
    for (OFFlowStatsEntry s : table) {
      bh.consume(SwitchEntry.of(s, FirewallSettings.DEFAULTS.priority()));
    }
  }

  @Benchmark
  public FlowReconciler.Report reconnect() {
    return tracked.apply(sw, table, false, System.nanoTime());
  }

  @Benchmark
  public FlowReconciler.Report adopt() {
    return empty.apply(sw, table, true, System.nanoTime());
  }
}
