package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import java.util.List;

/** {@code -m recent}: libxt_recent's options, and xt_recent's checks at commit. */
final class RecentMatchBuilder extends MatchBuilder {
  private static final List<String> NAMES = List.of("--set", "--rcheck", "--update", "--remove", "--seconds",
      "--reap", "--hitcount", "--rttl", "--name", "--rsource", "--rdest", "--mask");
  private static final List<String> OPS = List.of("--set", "--rcheck", "--update", "--remove");

  private final Family fam;
  private final RecentLists lists;
  private Match.Recent.Op op;
  private Token opTok;
  private boolean inv;
  private long seconds;
  private Token secondsTok;
  private boolean reap;
  private long hitCount;
  private Token hitTok;
  private boolean rttl;
  private String listName = "DEFAULT";
  private Token nameTok;
  private IpAddress mask;
  private boolean dest;

  RecentMatchBuilder(Token at, Family fam, RecentLists lists) {
    super("recent", at, NAMES);
    this.fam = fam;
    this.lists = lists;
    this.mask = fam == Family.IPV4 ? IpAddress.v4(-1) : IpAddress.v6(-1L, -1L);
  }

  @Override
  boolean invertible(String o) {
    return OPS.contains(o);
  }

  @Override
  void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
    if (OPS.contains(o)) {
      if (op != null) {
        throw a.error(opt, "one of --set, --rcheck, --update or --remove (option \"" + opTok.text()
            + "\" cannot be used together with \"" + o + "\")");
      }
      op = switch (o) {
        case "--set" -> Match.Recent.Op.SET;
        case "--rcheck" -> Match.Recent.Op.CHECK;
        case "--update" -> Match.Recent.Op.UPDATE;
        default -> Match.Recent.Op.REMOVE;
      };
      opTok = opt;
      this.inv = inv;
      return;
    }
    switch (o) {
      case "--seconds" -> {
        Token t = a.value(opt, "a number of seconds 1-4294967295");
        seconds = Values.uint(t.text(), 0xFFFF_FFFFL);
        if (seconds < 1) {
          throw a.error(t, "seconds 1-4294967295 (bad value for option \"--seconds\", or out of range)");
        }
        if (seconds > Integer.MAX_VALUE) {
          // iptables accepts it but iptables-save prints it negative, which iptables-restore refuses
          throw a.error(t, "seconds up to 2147483647 (iptables-save would print " + (int) seconds
              + ", which no iptables reads back)");
        }
        secondsTok = t;
      }
      case "--hitcount" -> {
        Token t = a.value(opt, "a hit count");
        hitCount = Values.uint(t.text(), 0xFFFF_FFFFL);
        if (hitCount < 0) {
          throw a.error(t, "a hit count 0-4294967295 (bad value for option \"--hitcount\", or out of range)");
        }
        hitTok = t;
      }
      case "--name" -> {
        Token t = a.value(opt, "a list name");
        nameTok = t;
        // XT_RECENT_NAME_LEN is 200 with the terminating NUL: iptables cuts longer names silently
        String n = t.text().length() > 199 ? t.text().substring(0, 199) : t.text();
        if (n.isEmpty() || n.equals(".") || n.equals("..") || n.indexOf('/') >= 0) {
          throw a.error(t, "a list name, not empty, '.' or '..', without '/' (the kernel names the file "
              + "/proc/net/xt_recent/NAME after it)");
        }
        if (n.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\\' || c == '\'' || c == '#')) {
          // iptables-save prints the name bare: it would not read back
          throw a.error(t, "a list name without blanks, quotes, backslashes or '#' (iptables-save prints it "
              + "unquoted, so the saved file would not read back)");
        }
        listName = n;
      }
      case "--mask" -> {
        Token t = a.value(opt, "an address mask");
        IpAddress m = Values.address(t.text(), fam);
        if (m == null) {
          throw a.error(t, "an " + (fam == Family.IPV4 ? "IPv4" : "IPv6") + " address as the mask (host names "
              + "are not resolved)");
        }
        mask = m;
      }
      case "--reap" -> reap = true;
      case "--rttl" -> {
        if (op == Match.Recent.Op.SET || op == Match.Recent.Op.REMOVE) {
          throw a.error(opt, "no --rttl with " + opTok.text() + " (option \"--rttl\" cannot be used together with \""
              + opTok.text() + "\")");
        }
        rttl = true;
      }
      case "--rsource" -> dest = false;
      default -> dest = true;
    }
  }

  @Override
  Match build(Args a) throws RuleSyntaxException {
    if (op == null) {
      throw missing(a, "one of --set, --rcheck, --update or --remove");
    }
    if (rttl && (op == Match.Recent.Op.SET || op == Match.Recent.Op.REMOVE)) {
      throw a.error(opTok, "no --rttl with " + opTok.text() + " (option \"--rttl\" cannot be used together with \""
          + opTok.text() + "\")");
    }
    if (reap && seconds == 0) {
      throw missing(a, "--seconds with --reap (option \"--reap\" also requires \"--seconds\")");
    }
    if (op == Match.Recent.Op.SET || op == Match.Recent.Op.REMOVE) {
      Token bad = secondsTok != null ? secondsTok : hitCount != 0 ? hitTok : reap ? opTok : null;
      if (bad != null) {
        throw a.error(bad, opTok.text() + " without --seconds, --hitcount or --reap (the kernel refuses them "
            + "with " + opTok.text() + ")");
      }
    }
    if (hitCount >= RecentLists.MAX_NSTAMPS) {
      throw a.error(hitTok, "a hit count up to " + (RecentLists.MAX_NSTAMPS - 1)
          + " (the kernel says: hitcount is larger than allowed maximum)");
    }
    return new Match.Recent(op, inv, seconds, reap, (int) hitCount, rttl, listName, mask, dest,
        lists.list(listName, mask, (int) hitCount));
  }
}
