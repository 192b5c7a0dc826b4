package io.statewall.firewall;

import io.statewall.controller.app.App;
import io.statewall.firewall.forwarding.FlowModBudget;
import io.statewall.firewall.forwarding.FlowProgrammer;
import io.statewall.firewall.forwarding.ForwardingApp;
import io.statewall.firewall.forwarding.ForwardingSettings;
import io.statewall.firewall.forwarding.OffloadCounters;
import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.topology.TopologyService;
import java.time.Duration;
import java.util.List;

/**
 * The firewall's parts, built side by side for a composition root: each is handed the narrow
 * collaborators it uses, and those that listen to switches are apps of their own, started in the
 * order of {@link #apps()}. The packet path through them: {@code forwarding} asks {@code firewall},
 * which records offloads in {@code offloads} and answers with a decision; forwarding, the one
 * executor, writes its reject frame, traps and entries through {@code flows}; {@code counters} hears their FLOW_REMOVED and
 * statistics; {@code reconciler} brings a reconnecting switch back in line.
 */
public record FirewallParts(PolicyHolder policies, ConnTracker tracker, StartedSwitches switches,
    FlowProgrammer flows, OffloadTable offloads, OffloadCounters counters, Firewall firewall,
    ForwardingApp forwarding, FlowReconciler reconciler) {

  /** How long after a switch's first connection adoption waits for discovery to find its links. */
  static final Duration ADOPT_SETTLE = Duration.ofSeconds(2);

  /** What the parts are built from. */
  public record Inputs(PolicyHolder policies, ConnTracker tracker, TopologyService topology,
      FirewallSettings settings, Firewall.DecisionListener listener, FlowModBudget budget) {}

  public static FirewallParts build(Inputs in) {
    StartedSwitches switches = new StartedSwitches();
    FlowProgrammer flows = new FlowProgrammer(switches,
        new ForwardingSettings(in.policies().current().idleTimeout(), in.settings().priority()), in.budget());
    OffloadTable offloads = new OffloadTable();
    Firewall firewall = new Firewall(in.policies(), in.tracker(), in.topology(), switches,
        new Firewall.Outputs(offloads, in.settings().dropEntrySeconds(), in.listener()));
    OffloadCounters counters = new OffloadCounters(in.topology(), offloads, in.tracker()::touch,
        in.settings().statsSeconds());
    PacketParser parser = new PacketParser();
    ForwardingApp forwarding = new ForwardingApp(in.topology(), firewall, parser::parse, flows, counters);
    FlowReconciler reconciler = new FlowReconciler(in.topology(), offloads, flows, firewall,
        new FlowReconciler.Adoption(in.tracker(), in.policies(), ADOPT_SETTLE));
    return new FirewallParts(in.policies(), in.tracker(), switches, flows, offloads, counters, firewall,
        forwarding, reconciler);
  }

  /**
   * The parts that are apps, in start order: the switches first (everything else looks them up),
   * the flow service before anyone writes, the counters (FLOW_REMOVED) before forwarding (packet-ins).
   */
  public List<App> apps() {
    return List.of(switches, flows, counters, forwarding, reconciler);
  }
}
