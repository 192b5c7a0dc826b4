package io.statewall.operator.api;

import io.statewall.operator.api.Views.CutConnection;
import io.statewall.operator.api.Views.PolicyChangeView;
import io.statewall.operator.api.Views.PolicyRequest;
import io.statewall.operator.api.Views.PolicyView;
import io.statewall.operator.api.Views.RemovedEntries;
import io.statewall.operator.api.Views.RuleSetView;
import io.statewall.operator.api.Views.RuleView;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.policy.FilterDecision;
import io.statewall.netfilter.policy.Host;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.rules.Chain;
import io.statewall.netfilter.rules.Rule;
import io.statewall.netfilter.rules.RuleCounters;
import io.statewall.netfilter.rules.RuleSet;
import io.statewall.netfilter.rules.RuleTable;
import io.statewall.operator.api.Views.ChainHits;
import io.statewall.operator.api.Views.RuleHits;
import io.statewall.operator.api.Views.RuleSetHits;
import io.statewall.operator.source.ConntrackView;
import io.statewall.operator.source.OffloadView;
import io.statewall.operator.source.PolicyControl;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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

  /** The policy's rule sets by the names messages give them, hosts' first, in the policy's order. */
  private static Map<String, RuleSet> ruleSets(Policy p) {
    Map<String, RuleSet> sets = new LinkedHashMap<>();
    for (Host h : p.hosts().values()) {
      put(sets, "host " + h.id() + " rules", h.rules());
      put(sets, "host " + h.id() + " rules6", h.rules6());
    }
    put(sets, "network rules", p.network());
    put(sets, "network rules6", p.network6());
    return sets;
  }

  private static void put(Map<String, RuleSet> sets, String name, RuleSet set) {
    if (set != null) {
      sets.put(name, set);
    }
  }

  PolicyView current() {
    Policy p = policy.current();
    List<RuleSetView> sets = new ArrayList<>();
    ruleSets(p).forEach((name, set) -> sets.add(new RuleSetView(name, set.file(), set.family().name(), set.save())));
    StringBuilder text = new StringBuilder();
    for (RuleSetView s : sets) {
      text.append("# ").append(s.name()).append(": ").append(s.file()).append('\n').append(s.text());
    }
    return new PolicyView(p.source(), p.idleTimeout(), p.ftpPorts(), sets, p.warnings(), text.toString());
  }

  /**
   * Every rule of the running policy's enforced tables with the packets and bytes it matched, as
   * {@code iptables -L -v} shows them: counted where the controller judged a packet (the switches
   * count what they carry), since this policy was loaded.
   */
  List<RuleSetHits> counters() {
    Policy p = policy.current();
    List<RuleSetHits> out = new ArrayList<>();
    ruleSets(p).forEach((name, set) -> {
      List<ChainHits> chains = new ArrayList<>();
      for (RuleTable t : set.tables()) {
        RuleCounters counts = p.counters(t);
        if (counts == null) {
          continue;
        }
        for (int c = 0; c < t.chains().size(); c++) {
          Chain chain = t.chains().get(c);
          List<RuleHits> rules = new ArrayList<>();
          for (int i = 0; i < chain.rules().size(); i++) {
            Rule r = chain.rules().get(i);
            rules.add(new RuleHits(r.file(), r.line(), r.text(), counts.packets(c, i), counts.bytes(c, i)));
          }
          chains.add(new ChainHits(t.name().name().toLowerCase(Locale.ROOT), chain.name(),
              chain.policy() == null ? null : chain.policy().name(), rules));
        }
      }
      out.add(new RuleSetHits(name, set.file(), set.family().name(), chains));
    });
    return out;
  }

  /**
   * What {@code next} would change: tracked connections whose next established packet it would
   * refuse (in either direction), and offloaded connections whose entries it would remove. Applies
   * {@code next}, compiled from {@code source}, when {@code apply} (atomically, through
   * {@link PolicyControl#apply(Policy, String, String, Map)}).
   */
  PolicyChangeView change(Policy next, PolicyRequest source, boolean apply) {
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
      policy.apply(next, source.name(), source.policy(), source.files());
    }
    return new PolicyChangeView(apply, next.source(), cut, removed, next.warnings());
  }
}
