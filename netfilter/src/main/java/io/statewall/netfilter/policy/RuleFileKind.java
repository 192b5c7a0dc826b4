package io.statewall.netfilter.policy;

/** Tells an iptables-save rule file from a policy by its first meaningful line, for clear messages. */
public final class RuleFileKind {
  private RuleFileKind() {}

  /** "an iptables-save rule file (it starts with *filter)" when the text is one, else null. */
  public static String describe(String text) {
    for (String line : text.split("\n", 200)) {
      String s = line.strip();
      if (s.isEmpty() || s.startsWith("#")) {
        continue;
      }
      if (s.startsWith("*") || s.startsWith(":") || s.startsWith("-A ") || s.startsWith("-N ")
          || s.startsWith("-P ") || s.startsWith("-I ")) {
        String first = s.split("\\s+", 2)[0];
        return "an iptables-save rule file (it starts with " + first + ")";
      }
      return null;
    }
    return null;
  }

  /** True when the text's first meaningful line looks like YAML (a "key:" or "- " item), as a policy does. */
  public static boolean looksLikePolicy(String text) {
    for (String line : text.split("\n", 200)) {
      String s = line.strip();
      if (s.isEmpty() || s.startsWith("#")) {
        continue;
      }
      return s.matches("[A-Za-z][A-Za-z0-9_-]*:(\\s.*)?") || s.equals("---");
    }
    return false;
  }
}
