package io.statewall.operator.api;

import io.statewall.operator.api.Views.CutConnection;
import io.statewall.operator.api.Views.PolicyChangeView;
import io.statewall.operator.api.Views.PolicyView;
import io.statewall.operator.api.Views.RemovedEntries;
import io.statewall.operator.api.Views.RuleSetView;
import io.statewall.operator.api.Views.RuleView;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.policy.FilterDecision;
import io.statewall.netfilter.policy.Host;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.rules.RuleSet;
import io.statewall.operator.source.ConntrackView;
import io.statewall.operator.source.OffloadView;
import io.statewall.operator.source.PolicyControl;
import java.util.ArrayList;
import java.util.List;

/** The running policy as text, and what replacing it would do (or did) to tracked connections and entries. */
final class PolicyViews {
  private final PolicyControl policy;
  private final ConntrackView conntrack;
  private final OffloadView offloads;

  PolicyViews(PolicyControl policy, ConntrackView conntrack, OffloadView offloads) {
    this.policy = policy;
    this.conntrack = conntrack;
    this.offloads = offloads;
  }

  PolicyView current() {
    Policy p = policy.current();
    List<RuleSetView> sets = new ArrayList<>();
    for (Host h : p.hosts().values()) {
      add(sets, "host " + h.id() + " rules", h.rules());
      add(sets, "host " + h.id() + " rules6", h.rules6());
    }
    add(sets, "network rules", p.network());
    add(sets, "network rules6", p.network6());
    StringBuilder text = new StringBuilder();
    for (RuleSetView s : sets) {
      text.append("# ").append(s.name()).append(": ").append(s.file()).append('\n').append(s.text());
    }
    return new PolicyView(p.source(), p.idleTimeout(), p.ftpPorts(), sets, p.warnings(), text.toString());
  }

  private static void add(List<RuleSetView> out, String name, RuleSet set) {
    if (set != null) {
      out.add(new RuleSetView(name, set.file(), set.family().name(), set.save()));
    }
  }

  /**
   * What {@code next} would change: tracked connections whose next established packet it would
   * refuse (in either direction), and offloaded connections whose entries it would remove. Applies
   * {@code next} when {@code apply} (atomically, through {@link PolicyControl#apply}).
   */
  PolicyChangeView change(Policy next, boolean apply) {
    List<CutConnection> cut = new ArrayList<>();
    for (CtEntry e : conntrack.entries()) {
      for (CtDirection dir : CtDirection.values()) {
        FilterDecision d = policy.judgeEstablished(next, e, dir);
        if (!d.accepted()) {
          cut.add(new CutConnection(conntrack.format(e), dir.name(), d.verdict().name(),
              RuleView.of(d.decidedBy())));
          break;
        }
      }
    }
    List<RemovedEntries> removed = new ArrayList<>();
    for (CtEntry e : offloads.entries()) {
      if (!policy.stillCarried(next, e)) {
        offloads.cookie(e).ifPresent(c -> removed.add(new RemovedEntries(conntrack.format(e), c,
            offloads.installed(e).map(OffloadView.Installed::entries).orElse(0))));
      }
    }
    if (apply) {
      policy.apply(next);
    }
    return new PolicyChangeView(apply, next.source(), cut, removed, next.warnings());
  }
}
