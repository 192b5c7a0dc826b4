package io.statewall.netfilter.rules;

import java.util.List;

/**
 * The netfilter tables, with their built-in chains in hook order, declared in the order iptables-nft
 * prints them. statewall enforces raw and filter; the others are read and checked only.
 */
public enum TableName {
  MANGLE("mangle", List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")),
  SECURITY("security", List.of("INPUT", "FORWARD", "OUTPUT")),
  RAW("raw", List.of("PREROUTING", "OUTPUT")),
  FILTER("filter", List.of("INPUT", "FORWARD", "OUTPUT")),
  NAT("nat", List.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"));

  /** Hook bits, one per built-in chain name, for the kernel's per-hook checks of matches and targets. */
  public static final int PREROUTING = 1;
  public static final int INPUT = 2;
  public static final int FORWARD = 4;
  public static final int OUTPUT = 8;
  public static final int POSTROUTING = 16;

  /** The hook bit of a built-in chain name, 0 for a user chain. */
  public static int hook(String chain) {
    return switch (chain) {
      case "PREROUTING" -> PREROUTING;
      case "INPUT" -> INPUT;
      case "FORWARD" -> FORWARD;
      case "OUTPUT" -> OUTPUT;
      case "POSTROUTING" -> POSTROUTING;
      default -> 0;
    };
  }

  /** Whether statewall evaluates this table's rules (the others are loaded, checked and printed). */
  public boolean enforced() {
    return this == RAW || this == FILTER;
  }

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
