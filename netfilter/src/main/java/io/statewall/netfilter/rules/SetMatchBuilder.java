package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import java.util.List;

/** {@code -m set}: libxt_set's revision-4 options, against the policy's ipsets. */
final class SetMatchBuilder extends MatchBuilder {
  private static final List<String> NAMES = List.of("--match-set", "--set", "--return-nomatch", "--update-counters",
      "--update-subcounters", "--packets-eq", "--packets-lt", "--packets-gt", "--bytes-eq", "--bytes-lt",
      "--bytes-gt");
  /** IPSET_DIM_MAX. */
  private static final int DIM_MAX = 6;

  private final Family fam;
  private final IpSets sets;
  private IpSets.IpSet set;
  private boolean[] src;
  private boolean inv;
  private boolean returnNomatch;
  private boolean noCounters;
  private boolean noSubCounters;
  private String packets;
  private boolean packetsInv;
  private String bytes;
  private boolean bytesInv;

  SetMatchBuilder(Token at, Family fam, IpSets sets) {
    super("set", at, NAMES);
    this.fam = fam;
    this.sets = sets;
  }

  @Override
  String option(String o) {
    if (o.equals("--set")) {
      return "--match-set";
    }
    if (o.startsWith("--packets-") || o.startsWith("--bytes-")) {
      return NAMES.contains(o) ? o.substring(0, o.indexOf('-', 2)) : null;
    }
    return NAMES.contains(o) ? o : null;
  }

  @Override
  boolean invertible(String o) {
    return !o.equals("--return-nomatch");
  }

  @Override
  void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
    switch (o) {
      case "--match-set" -> {
        Token name = a.value(opt, "a set name and src/dst flags");
        Token flags = a.peek();
        if (flags == null || flags.text().startsWith("-") || flags.text().startsWith("!")) {
          throw a.error(flags, "a set name and its flags (--match-set requires two args.)");
        }
        a.next();
        set = sets.get(name.text());
        if (set == null) {
          throw a.error(name, "a set of the policy's ipsets files (Set " + name.text() + " doesn't exist.)");
        }
        if (set.family() != null && set.family() != fam) {
          throw a.error(name, "a set of this family (The protocol family of set " + name.text() + " is "
              + (set.family() == Family.IPV4 ? "IPv4" : "IPv6") + ", which is not applicable.)");
        }
        String[] f = flags.text().split(",", -1);
        if (f.length > DIM_MAX) {
          throw a.error(flags, "at most " + DIM_MAX + " flags (Can't be more src/dst options than " + DIM_MAX + ".)");
        }
        src = new boolean[f.length];
        for (int i = 0; i < f.length; i++) {
          if (!f[i].equals("src") && !f[i].equals("dst")) {
            throw a.error(flags, "src or dst flags (You must spefify (the comma separated list of) 'src' or 'dst'.)");
          }
          src[i] = f[i].equals("src");
        }
        this.inv = inv;
      }
      case "--return-nomatch" -> returnNomatch = true;
      case "--update-counters" -> noCounters = inv;
      case "--update-subcounters" -> noSubCounters = inv;
      default -> {
        if ((inv && !opt.text().endsWith("-eq"))) {
          throw a.error(opt, opt.text() + " without '!' (" + opt.text() + " option cannot be inverted)");
        }
        Token v = a.value(opt, "a number");
        long n = Values.uint(v.text(), Long.MAX_VALUE);
        if (n < 0) {
          throw a.error(v, "a number (bad value for option \"" + opt.text() + "\")");
        }
        String cmp = opt.text().substring(opt.text().lastIndexOf('-') + 1) + " " + n;
        if (o.equals("--packets")) {
          packets = cmp;
          packetsInv = inv;
        } else {
          bytes = cmp;
          bytesInv = inv;
        }
      }
    }
  }

  @Override
  Match build(Args a) throws RuleSyntaxException {
    if (set == null) {
      throw missing(a, "--match-set NAME FLAGS (You must specify `--match-set' with proper arguments)");
    }
    return new SetMatch(set, src, inv, returnNomatch, noCounters, noSubCounters, packets, packetsInv, bytes, bytesInv);
  }
}
