package io.statewall.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.apps.main.OperatorViews;
import io.statewall.firewall.FirewallApp;
import io.statewall.firewall.FirewallParts;
import io.statewall.firewall.FirewallSettings;
import io.statewall.firewall.forwarding.FlowModBudget;
import io.statewall.firewall.forwarding.FlowModLimits;
import io.statewall.firewall.forwarding.fakes.FakeAppContext;
import io.statewall.firewall.guard.PacketInGuard;
import io.statewall.firewall.guard.TableMissMeters;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologySettings;
import io.statewall.topology.fakes.FakeSwitch;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The figures /metrics reads from the apps, through the composition root's views of them. */
class MetricsSourceTest {
  final FirewallMetrics metrics = new FirewallMetrics();
  final FakeSwitch s1 = FakeSwitch.of13(1, 1, 2);

  @Test
  void floodFiguresAreExposed() throws Exception {
    AtomicLong now = new AtomicLong();
    FlowModBudget budget = new FlowModBudget(new FlowModLimits(10, 10, 0.5, 10), now::get);
    FirewallApp firewall = FirewallApp.standalone(new FirewallParts.Inputs(
        new PolicyHolder(new PolicyLoader().load(Path.of("..", "examples", "seed.yaml"))),
        new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of()),
        TopologyApp.create(TopologySettings.DEFAULTS).service(), FirewallSettings.DEFAULTS, (p, a, j) -> {}, budget));
    PacketInGuard guard = new PacketInGuard(new PacketInGuard.Limits(1, 1, 10, 10), now::get);
    metrics.watch(OperatorViews.of(firewall, null, null,
        new OperatorViews.Guards(guard, new TableMissMeters(PacketInGuard.Limits.DEFAULTS))).metrics());
    for (int i = 0; i < 8; i++) {
      budget.admit(FlowModBudget.Kind.DROP, s1.id(), 1);
    }
    budget.tableFull(s1.id());
    FakeAppContext ctx = new FakeAppContext();
    guard.start(ctx);
    for (int i = 0; i < 4; i++) {
      ctx.dispatch(s1, s1.packetIn(1, new byte[60]));
    }
    assertThat(metrics.scrape())
        .contains("statewall_flow_mods_skipped_total{kind=\"drop\"} 3.0")
        .contains("statewall_flow_mods_skipped_total{kind=\"connection\"} 0.0")
        .contains("statewall_flow_table_full_errors_total 1.0")
        .contains("statewall_packet_ins_dropped_total 3.0")
        .contains("statewall_metered_switches 0.0");
  }
}
