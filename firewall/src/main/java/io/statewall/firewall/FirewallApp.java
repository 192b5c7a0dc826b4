package io.statewall.firewall;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.AppScheduler;
import io.statewall.firewall.forwarding.FlowModBudget;
import io.statewall.firewall.forwarding.FlowProgrammer;
import io.statewall.firewall.forwarding.InstalledConnections;
import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.netfilter.conntrack.RemovalReason;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyHolder;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stateful firewall as a controller app: forwarding asks {@link Firewall} about every packet
 * that reaches the controller; flow entries are a cache of conntrack's verdicts, fed back into
 * conntrack by FLOW_REMOVED and flow statistics ({@code OffloadCounters}) and removed with the
 * connection they belong to.
 */
public final class FirewallApp implements App {
  private static final Logger log = LoggerFactory.getLogger(FirewallApp.class);

  private final FirewallParts parts;
  /** Whether this app built its parts and so starts them (standalone) or a composition root does. */
  private final boolean owned;
  private ScheduledFuture<?> expiry;

  /**
   * Standalone (tests, benchmarks): parts built from {@code in} as the process builds them, under
   * flow-mod limits of their own, and started and stopped with this app.
   */
  public static FirewallApp standalone(FirewallParts.Inputs in) {
    return new FirewallApp(FirewallParts.build(in), true);
  }

  /** Over parts a composition root built and starts (before this app) itself. */
  public FirewallApp(FirewallParts parts) {
    this(parts, false);
  }

  private FirewallApp(FirewallParts parts, boolean owned) {
    this.parts = parts;
    this.owned = owned;
  }

  @Override
  public String name() {
    return "firewall";
  }

  @Override
  public void start(AppContext context) {
    if (owned) {
      parts.apps().forEach(a -> a.start(context));
    }
    // a connection handed over to another cluster member keeps its switch entries: that member serves them now
    parts.tracker().addRemovalListener((entry, reason) -> parts.offloads().forget(entry)
        .filter(offloaded -> reason != RemovalReason.HANDED_OVER).ifPresent(parts.flows()::deleteConnection));
    expiry = context.scheduler().scheduleWithFixedDelay(AppScheduler.named("conntrack-expiry", this::expire), 1, 1,
        TimeUnit.SECONDS);
  }

  @Override
  public void stop() {
    if (expiry != null) {
      expiry.cancel(false);
    }
    if (owned) {
      parts.apps().forEach(App::stop);
    }
  }

  public ConnTracker tracker() {
    return parts.tracker();
  }

  /** The offloaded connections, one record each. */
  public OffloadTable offloads() {
    return parts.offloads();
  }

  /** The switches' counters of offloaded connections: FLOW_REMOVED and flow statistics into conntrack. */
  public io.statewall.firewall.forwarding.OffloadCounters counters() {
    return parts.counters();
  }

  /** Reconciles switches' flow tables with conntrack when they (re)connect. */
  public FlowReconciler reconciler() {
    return parts.reconciler();
  }

  public PolicyHolder policies() {
    return parts.policies();
  }

  /** The decision engine (read-only judgements for dry runs and traces). */
  public Firewall firewall() {
    return parts.firewall();
  }

  /** The connections with entries in the switches now (their paths and matches). */
  public InstalledConnections installed() {
    return parts.offloads().installed();
  }

  /** The flow service every flow-mod of the process goes through. */
  public FlowProgrammer flows() {
    return parts.flows();
  }

  /** The flow-mod limits per switch, and what they left out. */
  public FlowModBudget flowModBudget() {
    return parts.flows().budget();
  }

  /** Flow-mods written to switches since start, for every purpose. */
  public long flowModsSent() {
    return parts.flows().sent();
  }

  /**
   * Replaces the policy atomically. Tracked connections stay and meet the new rules packet by
   * packet; offloaded connections the new rules would no longer carry lose their entries, so their
   * next packets come back to be judged.
   */
  public int apply(Policy next) {
    int[] removed = {0};
    // no offload is written while the policy changes and the entries it no longer carries go
    parts.firewall().replacePolicy(next, () -> {
      for (CtEntry e : parts.offloads().entries()) {
        if (!parts.firewall().stillCarried(next, e)) {
          parts.offloads().forget(e).ifPresent(parts.flows()::deleteConnection);
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
      parts.tracker().collectExpired(Integer.MAX_VALUE);
    } catch (RuntimeException e) {
      log.warn("conntrack expiry failed", e);
    }
  }
}
