package io.statewall.netfilter.policy;

import io.statewall.netfilter.rules.Chain;
import io.statewall.netfilter.rules.Match;
import io.statewall.netfilter.rules.Rule;
import io.statewall.netfilter.rules.RuleSet;
import io.statewall.netfilter.rules.RuleTable;
import io.statewall.netfilter.rules.TableName;
import io.statewall.netfilter.rules.Target;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a policy may enforce: filter and raw. Rules in other tables refuse the policy unless it lists
 * their table in {@code unenforced-tables} (then one warning per table says how many rules are left
 * out); a rule of filter or raw that statewall cannot execute (a rewriting target, a host-only or
 * not yet enforced match) refuses the policy, naming the rule and why.
 */
final class Enforceability {
  private Enforceability() {}

  /** Returns the warnings for the unenforced tables; throws on the first rule that cannot be enforced. */
  static List<String> check(String policyFile, List<RuleSet> sets, Set<TableName> unenforced)
      throws PolicyException {
    Map<TableName, Integer> counts = new EnumMap<>(TableName.class);
    Map<TableName, Integer> dropCounts = new EnumMap<>(TableName.class);
    Map<TableName, Set<String>> files = new EnumMap<>(TableName.class);
    for (RuleSet set : sets) {
      for (RuleTable t : set.tables()) {
        if (t.name().enforced()) {
          enforceable(t);
          continue;
        }
        int rules = t.ruleCount();
        int drops = (int) t.chains().stream().filter(c -> c.policy() == Target.Standard.DROP).count();
        if (rules + drops == 0) {
          continue;
        }
        if (!unenforced.contains(t.name())) {
          int first = t.chains().stream().flatMap(c -> c.rules().stream()).mapToInt(Rule::line).min().orElse(0);
          throw new PolicyException(set.file(), first, 0, null,
              "table " + t.name().label() + " has " + rules + " rule(s)" + (drops > 0 ? " and " + drops
              + " DROP polic" + (drops == 1 ? "y" : "ies") : "") + "; statewall enforces only filter and raw. "
              + "To load this policy anyway, leaving them unenforced, add to " + policyFile
              + ": unenforced-tables: [" + t.name().label() + "]");
        }
        counts.merge(t.name(), rules, Integer::sum);
        dropCounts.merge(t.name(), drops, Integer::sum);
        files.computeIfAbsent(t.name(), k -> new LinkedHashSet<>()).add(set.file());
      }
    }
    List<String> out = new ArrayList<>();
    for (Map.Entry<TableName, Integer> e : counts.entrySet()) {
      int drops = dropCounts.get(e.getKey());
      out.add(policyFile + ": table " + e.getKey().label() + " is not enforced (unenforced-tables): "
          + e.getValue() + " rule(s)" + (drops > 0 ? " and " + drops + " DROP chain polic" + (drops == 1 ? "y" : "ies")
          : "") + " in " + String.join(", ", files.get(e.getKey())) + " are loaded and checked only");
    }
    return out;
  }

  private static void enforceable(RuleTable t) throws PolicyException {
    for (Chain c : t.chains()) {
      for (Rule r : c.rules()) {
        for (Match m : r.matches()) {
          String why = m.unenforced();
          if (why != null) {
            throw refuse(t, r, why);
          }
        }
        String why = r.target() == null ? null : r.target().unenforced();
        if (why != null) {
          throw refuse(t, r, why);
        }
      }
    }
  }

  private static PolicyException refuse(RuleTable t, Rule r, String why) {
    return new PolicyException(r.file(), r.line(), 0, null, "rule '" + r.text() + "' of table " + t.name().label()
        + " cannot be enforced: " + why);
  }
}
