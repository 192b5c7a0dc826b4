package io.statewall.netfilter.rules;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One table of a rule file: built-in chains in hook order, then user chains sorted by name. */
public final class RuleTable {
  private final TableName name;
  private final List<Chain> chains;
  private final Map<String, Chain> byName;

  public RuleTable(TableName name, List<Chain> chains) {
    this.name = name;
    this.chains = List.copyOf(chains);
    Map<String, Chain> m = new LinkedHashMap<>();
    for (Chain c : chains) {
      m.put(c.name(), c);
    }
    this.byName = Collections.unmodifiableMap(m);
  }

  public TableName name() {
    return name;
  }

  public List<Chain> chains() {
    return chains;
  }

  public Chain chain(String chainName) {
    return byName.get(chainName);
  }

  public int ruleCount() {
    return chains.stream().mapToInt(c -> c.rules().size()).sum();
  }
}
