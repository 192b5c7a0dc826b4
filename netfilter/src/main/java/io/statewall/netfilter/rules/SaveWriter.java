package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;

/** Prints a rule set exactly as iptables-save does (minus its date comments and counters). */
final class SaveWriter {
  private SaveWriter() {}

  static String write(RuleSet set) {
    StringBuilder sb = new StringBuilder();
    for (RuleTable t : set.tables()) {
      sb.append('*').append(t.name().label()).append('\n');
      for (Chain c : t.chains()) {
        sb.append(':');
        word(sb, c.name());
        sb.append(' ')
            .append(c.policy() == null ? "-" : c.policy().name()).append(" [0:0]\n");
      }
      for (Chain c : t.chains()) {
        for (Rule r : c.rules()) {
          sb.append(r.text()).append('\n');
        }
      }
      sb.append("COMMIT\n");
    }
    return sb.toString();
  }

  /** The canonical text of one rule. */
  static String rule(Netbase nb, Family fam, String chain, Cidr src, boolean srcInv, Cidr dst,
      boolean dstInv, String in, boolean inInv, String out, boolean outInv, int proto,
      boolean protoInv, int fragment, Iterable<Match> matches, Target target) {
    StringBuilder sb = new StringBuilder("-A ");
    word(sb, chain);
    addr(sb, "-s", src, srcInv);
    addr(sb, "-d", dst, dstInv);
    iface(sb, "-i", in, inInv);
    iface(sb, "-o", out, outInv);
    if (proto != 0) {
      sb.append(protoInv ? " !" : "").append(" -p ").append(nb.protocolName(proto));
    }
    if (fragment != 0) {
      sb.append(fragment < 0 ? " !" : "").append(" -f");
    }
    for (Match m : matches) {
      m.save(sb);
    }
    if (target != null) {
      target.save(sb);
    }
    return sb.toString();
  }

  private static void addr(StringBuilder sb, String opt, Cidr c, boolean inv) {
    if (c == null || (c.isAny() && !inv)) {
      return;
    }
    sb.append(inv ? " ! " : " ").append(opt).append(' ').append(c);
  }

  private static void iface(StringBuilder sb, String opt, String name, boolean inv) {
    if (name == null) {
      return;
    }
    sb.append(inv ? " ! " : " ").append(opt).append(' ');
    word(sb, name);
  }

  /**
   * A name (interface, chain) as one word that reads back as itself. iptables-save prints names raw,
   * which iptables-restore reads back as another name when it holds a backslash, a double quote or
   * whitespace (found by fuzzing: an interface name, then a chain name): escape those as restore
   * unescapes them.
   */
  static void word(StringBuilder sb, String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '\\' || c == '"' || Character.isWhitespace(c)) {
        sb.append('\\');
      }
      sb.append(c);
    }
  }
}
