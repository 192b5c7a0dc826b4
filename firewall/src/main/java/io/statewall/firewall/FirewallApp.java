package io.statewall.firewall;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.firewall.forwarding.FlowModBudget;
import io.statewall.firewall.forwarding.FlowProgrammer;
import io.statewall.firewall.forwarding.ForwardingApp;
import io.statewall.firewall.forwarding.ForwardingSettings;
import io.statewall.firewall.forwarding.InstalledConnections;
import io.statewall.firewall.forwarding.OffloadCounters;
import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.firewall.forwarding.PacketOutSender;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.topology.TopologyService;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stateful firewall as a controller app: forwarding asks {@link Firewall} about every packet
 * that reaches the controller; flow entries are a cache of conntrack's verdicts, fed back into
 * conntrack by FLOW_REMOVED and flow statistics ({@link OffloadCounters}) and removed with the
 * connection they belong to.
 */
public final class FirewallApp implements App {
  private static final Logger log = LoggerFactory.getLogger(FirewallApp.class);
  /** After topology, which must know the switch (and its ports) before paths through it are rebuilt. */
  static final int RECONCILE_ORDER = 200;
  /** How long after a switch's first connection adoption waits for discovery to find its links. */
  static final Duration ADOPT_SETTLE = Duration.ofSeconds(2);

  private final PolicyHolder policies;
  private final ConnTracker tracker;
  private final TopologyService topology;
  private final FirewallSettings settings;
  private final Firewall.DecisionListener listener;
  private final OffloadTable offloads = new OffloadTable();
  private final FlowProgrammer flows;
  private ForwardingApp forwarding;
  private Firewall firewall;
  private ScheduledFuture<?> expiry;
  private OffloadCounters counters;
  private FlowReconciler reconciler;

  public FirewallApp(PolicyHolder policies, ConnTracker tracker, TopologyService topology,
      FirewallSettings settings, Firewall.DecisionListener listener) {
    this(policies, tracker, topology, settings, listener, FlowModBudget.defaults());
  }

  /** With flow-mod limits of its own, for every flow-mod the process writes. */
  public FirewallApp(PolicyHolder policies, ConnTracker tracker, TopologyService topology,
      FirewallSettings settings, Firewall.DecisionListener listener, FlowModBudget budget) {
    this.policies = policies;
    this.tracker = tracker;
    this.topology = topology;
    this.settings = settings;
    this.listener = listener;
    this.flows = new FlowProgrammer(new ForwardingSettings(policies.current().idleTimeout(), settings.priority()),
        budget);
  }

  @Override
  public String name() {
    return "firewall";
  }

  @Override
  public void start(AppContext context) {
    SwitchRegistry switches = context.switches();
    flows.start(context);
    PacketOutSender sender = new PacketOutSender(switches, topology);
    firewall = new Firewall(policies, tracker, topology, switches, sender::send, offloads,
        settings.dropEntrySeconds(), new TeardownTraps(switches, flows), listener);
    counters = new OffloadCounters(topology, offloads, tracker::touch, settings.statsSeconds());
    counters.start(context);
    PacketParser parser = new PacketParser();
    forwarding = new ForwardingApp(topology, firewall, parser::parse, flows, counters);
    forwarding.start(context);
    reconciler = new FlowReconciler(topology, tracker, offloads, flows, firewall, policies,
        context.scheduler(), ADOPT_SETTLE);
    context.addSwitchListener(RECONCILE_ORDER, reconciler);
    tracker.addRemovalListener((entry, reason) -> offloads.forget(entry).ifPresent(flows::deleteConnection));
    expiry = context.scheduler().scheduleWithFixedDelay(this::expire, 1, 1, TimeUnit.SECONDS);
  }

  @Override
  public void stop() {
    if (expiry != null) {
      expiry.cancel(false);
      counters.stop();
    }
  }

  public ConnTracker tracker() {
    return tracker;
  }

  /** The offloaded connections, one record each. */
  public OffloadTable offloads() {
    return offloads;
  }

  /** Reconciles switches' flow tables with conntrack when they (re)connect, once started. */
  public FlowReconciler reconciler() {
    return reconciler;
  }

  public PolicyHolder policies() {
    return policies;
  }

  /** The decision engine, once started (read-only judgements for dry runs and traces). */
  public Firewall firewall() {
    return firewall;
  }

  /** The connections with entries in the switches now (their paths and matches). */
  public InstalledConnections installed() {
    return offloads.installed();
  }

  /** The flow service every flow-mod of the process goes through. */
  public FlowProgrammer flows() {
    return flows;
  }

  /** The flow-mod limits per switch, and what they left out. */
  public FlowModBudget flowModBudget() {
    return flows.budget();
  }

  /** Flow-mods written to switches since start, for every purpose. */
  public long flowModsSent() {
    return flows.sent();
  }

  /**
   * Replaces the policy atomically. Tracked connections stay and meet the new rules packet by
   * packet; offloaded connections the new rules would no longer carry lose their entries, so their
   * next packets come back to be judged.
   */
  public int apply(Policy next) {
    policies.replace(next);
    int removed = 0;
    for (CtEntry e : offloads.entries()) {
      if (!firewall.stillCarried(next, e)) {
        offloads.forget(e).ifPresent(flows::deleteConnection);
        removed++;
      }
    }
    log.info("policy {} applied; {} offloaded connection(s) no longer carried by the switches",
        next.source(), removed);
    return removed;
  }

  private void expire() {
    try {
      tracker.collectExpired(Integer.MAX_VALUE);
    } catch (RuntimeException e) {
      log.warn("conntrack expiry failed", e);
    }
  }
}
