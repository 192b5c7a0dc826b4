package io.statewall.firewall;

import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.FlowModBudget;
import io.statewall.firewall.forwarding.ForwardingApp;
import io.statewall.firewall.forwarding.ForwardingSettings;
import io.statewall.firewall.forwarding.PacketOutSender;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.AppScheduler;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyService;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.projectfloodlight.openflow.protocol.OFFlowRemoved;
import org.projectfloodlight.openflow.protocol.OFFlowRemovedReason;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.OFGroup;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stateful firewall as a controller app: forwarding asks {@link Firewall} about every packet
 * that reaches the controller; flow entries are a cache of conntrack's verdicts, fed back into
 * conntrack by FLOW_REMOVED and removed with the connection they belong to.
 */
public final class FirewallApp implements App {
  private static final Logger log = LoggerFactory.getLogger(FirewallApp.class);
  /** Before forwarding (100), so conntrack hears of expired entries first. */
  static final int FLOW_REMOVED_ORDER = 90;
  /** After topology, which must know the switch (and its ports) before paths through it are rebuilt. */
  static final int RECONCILE_ORDER = 200;
  /** How long after a switch's first connection adoption waits for discovery to find its links. */
  static final java.time.Duration ADOPT_SETTLE = java.time.Duration.ofSeconds(2);

  private final PolicyHolder policies;
  private final ConnTracker tracker;
  private final TopologyService topology;
  private final FirewallSettings settings;
  private final Firewall.DecisionListener listener;
  private final FlowModBudget budget;
  private final OffloadIndex offloads = new OffloadIndex();
  private final java.util.concurrent.atomic.LongAdder deletesSent = new java.util.concurrent.atomic.LongAdder();
  private ForwardingApp forwarding;
  private TeardownTraps traps;
  private Firewall firewall;
  private SwitchRegistry switches;
  private ScheduledFuture<?> expiry;
  private ScheduledFuture<?> refresh;
  private FlowReconciler reconciler;

  public FirewallApp(PolicyHolder policies, ConnTracker tracker, TopologyService topology,
      FirewallSettings settings, Firewall.DecisionListener listener) {
    this(policies, tracker, topology, settings, listener, FlowModBudget.defaults());
  }

  /** With flow-mod limits of its own, for connection entries, drop entries, traps and deletes alike. */
  public FirewallApp(PolicyHolder policies, ConnTracker tracker, TopologyService topology,
      FirewallSettings settings, Firewall.DecisionListener listener, FlowModBudget budget) {
    this.budget = budget;
    this.policies = policies;
    this.tracker = tracker;
    this.topology = topology;
    this.settings = settings;
    this.listener = listener;
  }

  @Override
  public String name() {
    return "firewall";
  }

  @Override
  public void start(AppContext context) {
    switches = context.switches();
    PacketOutSender sender = new PacketOutSender(switches, topology);
    traps = new TeardownTraps(switches, settings.priority(), budget);
    firewall = new Firewall(policies, tracker, topology, switches, sender::send, offloads,
        settings.dropEntrySeconds(), traps, listener);
    PacketParser parser = new PacketParser();
    forwarding = new ForwardingApp(topology, firewall, parser::parse,
        new ForwardingSettings(policies.current().idleTimeout(), settings.priority()), budget);
    forwarding.start(context);
    ForwardingSettings fs = new ForwardingSettings(policies.current().idleTimeout(), settings.priority());
    reconciler = new FlowReconciler(topology, tracker, offloads, forwarding.installed(),
        new io.statewall.firewall.forwarding.FlowProgrammer(switches, fs), firewall, policies, settings.priority(),
        context.scheduler(), ADOPT_SETTLE);
    context.addSwitchListener(RECONCILE_ORDER, reconciler);
    context.addMessageListener(OFFlowRemoved.class, FLOW_REMOVED_ORDER, this::flowRemoved);
    tracker.addRemovalListener((entry, reason) -> offloads.forget(entry).ifPresent(this::deleteEntries));
    expiry = context.scheduler().scheduleWithFixedDelay(AppScheduler.named("conntrack-expiry", this::expire), 1, 1,
        TimeUnit.SECONDS);
    OffloadRefresher refresher = new OffloadRefresher(switches, topology, offloads, tracker);
    refresh = context.scheduler().scheduleWithFixedDelay(AppScheduler.named("offload-stats", refresher::refresh),
        settings.statsSeconds(),
        settings.statsSeconds(), TimeUnit.SECONDS);
  }

  @Override
  public void stop() {
    if (expiry != null) {
      expiry.cancel(false);
      refresh.cancel(false);
    }
  }

  public ConnTracker tracker() {
    return tracker;
  }

  public OffloadIndex offloads() {
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

  /** The connections with entries in the switches now (their paths and matches), once started. */
  public io.statewall.firewall.forwarding.InstalledConnections installed() {
    return forwarding.installed();
  }

  /** The flow-mod limits per switch, and what they left out. */
  public FlowModBudget flowModBudget() {
    return budget;
  }

  /** Flow-mods (adds, FIN/RST traps and deletes) written to switches since start. */
  public long flowModsSent() {
    return (forwarding == null ? 0 : forwarding.flowModsSent()) + (traps == null ? 0 : traps.sent())
        + deletesSent.sum();
  }

  /**
   * Replaces the policy atomically. Tracked connections stay and meet the new rules packet by
   * packet; offloaded connections the new rules would no longer carry lose their entries, so their
   * next packets come back to be judged.
   */
  public int apply(Policy next) {
    if (firewall == null) {
      // not started: nothing is offloaded yet, nothing can be in flight
      policies.replace(next);
      return 0;
    }
    int[] removed = {0};
    // no offload is written while the policy changes and the entries it no longer carries go
    firewall.replacePolicy(next, () -> {
      for (CtEntry e : offloads.entries()) {
        if (!firewall.stillCarried(next, e)) {
          offloads.forget(e).ifPresent(this::deleteEntries);
          removed[0]++;
        }
      }
    });
    log.info("policy {} applied; {} offloaded connection(s) no longer carried by the switches",
        next.source(), removed[0]);
    return removed[0];
  }

  private void expire() {
    try {
      tracker.collectExpired(Integer.MAX_VALUE);
    } catch (RuntimeException e) {
      log.warn("conntrack expiry failed", e);
    }
  }

  /**
   * An entry that idled out in the switch says its direction carried traffic until then: conntrack
   * counts it and restarts the connection's timeout; the connection itself goes on. Counted once, at
   * the switch where the direction enters the network.
   */
  ListenerResult flowRemoved(SwitchHandle sw, OFFlowRemoved fr) {
    if (!ConnectionCookie.isOurs(fr.getCookie()) || fr.getReason() == OFFlowRemovedReason.DELETE) {
      return ListenerResult.CONTINUE;
    }
    OFPort in = inPort(fr.getMatch());
    if (in == null || topology.isInterSwitchPort(new Attachment(sw.id(), in))) {
      return ListenerResult.CONTINUE;
    }
    offloads.entry(fr.getCookie()).ifPresent(e -> tracker.touch(e, fr.getPacketCount().getValue(),
        fr.getByteCount().getValue(), OffloadRefresher.direction(e, fr.getMatch())));
    return ListenerResult.CONTINUE;
  }

  private static OFPort inPort(Match m) {
    return m.supports(MatchField.IN_PORT) && m.get(MatchField.IN_PORT) != null ? m.get(MatchField.IN_PORT) : null;
  }

  /** Removes a connection's entries from every switch: by cookie where OpenFlow has cookie masks. */
  private void deleteEntries(U64 cookie) {
    forwarding.installed().forget(cookie);
    for (SwitchHandle sw : switches.ready()) {
      if (sw.version() == OFVersion.OF_10) {
        continue; // no cookie mask in 1.0: the entries idle out
      }
      sw.write(sw.factory().buildFlowDelete().setTableId(TableId.ALL).setCookie(cookie)
          .setCookieMask(U64.NO_MASK).setOutPort(OFPort.ANY).setOutGroup(OFGroup.ANY).build());
      budget.charge(sw.id(), 1);
      deletesSent.increment();
    }
  }

  List<SwitchHandle> readySwitches() {
    return List.copyOf(switches.ready());
  }
}
