package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import java.util.List;

/** A whole rule file as loaded: its tables (raw before filter), family and where it came from. */
public record RuleSet(String file, Family family, List<RuleTable> tables) {
  public RuleSet {
    tables = List.copyOf(tables);
  }

  /** The table, or null when the file has none (its chains then accept everything). */
  public RuleTable table(TableName name) {
    for (RuleTable t : tables) {
      if (t.name() == name) {
        return t;
      }
    }
    return null;
  }

  /** The file as iptables-save prints it after iptables-restore, without comment lines. */
  public String save() {
    return SaveWriter.write(this);
  }
}
