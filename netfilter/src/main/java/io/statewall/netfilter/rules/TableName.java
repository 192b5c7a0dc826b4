package io.statewall.netfilter.rules;

import java.util.List;

/** The netfilter tables statewall understands, with their built-in chains in hook order. */
public enum TableName {
  RAW("raw", List.of("PREROUTING", "OUTPUT")),
  FILTER("filter", List.of("INPUT", "FORWARD", "OUTPUT"));

  private final String label;
  private final List<String> builtins;

  TableName(String label, List<String> builtins) {
    this.label = label;
    this.builtins = builtins;
  }

  public String label() {
    return label;
  }

  public List<String> builtinChains() {
    return builtins;
  }

  public boolean isBuiltin(String chain) {
    return builtins.contains(chain);
  }

  /** The table called {@code name} in a {@code *name} line, or null when statewall has none. */
  public static TableName byLabel(String name) {
    for (TableName t : values()) {
      if (t.label.equals(name)) {
        return t;
      }
    }
    return null;
  }
}
