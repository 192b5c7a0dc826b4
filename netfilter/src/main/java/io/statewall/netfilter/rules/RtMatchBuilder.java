package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import java.util.ArrayList;
import java.util.List;

/** {@code -m rt} (ip6tables only): libip6t_rt's options and their order rules. */
final class RtMatchBuilder extends MatchBuilder {
  /** IP6T_RT_HOPS: addresses {@code --rt-0-addrs} may list. */
  private static final int HOPS = 16;
  private static final List<String> NAMES = List.of("--rt-type", "--rt-segsleft", "--rt-len", "--rt-0-res",
      "--rt-0-addrs", "--rt-0-not-strict");

  private long type = -1;
  private boolean typeInv;
  private long segsLo;
  private long segsHi = 0xFFFF_FFFFL;
  private boolean segsInv;
  private long length = -1;
  private boolean lengthInv;
  private boolean reserved;
  private final List<IpAddress> addrs = new ArrayList<>();
  private boolean addrsGiven;
  private boolean notStrict;

  RtMatchBuilder(Token at) {
    super("rt", at, NAMES);
  }

  @Override
  boolean invertible(String o) {
    return o.equals("--rt-type") || o.equals("--rt-segsleft") || o.equals("--rt-len");
  }

  @Override
  void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
    switch (o) {
      case "--rt-type", "--rt-len" -> {
        Token t = a.value(opt, "a number 0-4294967295");
        long v = number(a, o, t);
        if (o.equals("--rt-type")) {
          type = v;
          typeInv = inv;
        } else {
          length = v;
          lengthInv = inv;
        }
      }
      case "--rt-segsleft" -> {
        long[] r = Values.uintRange(a, a.value(opt, "NUM[:NUM]"), o);
        segsLo = r[0];
        segsHi = r[1];
        segsInv = inv;
      }
      case "--rt-0-res", "--rt-0-addrs" -> {
        if (type != 0 || typeInv) {
          throw a.error(opt, "--rt-type 0 before " + o + " (`--rt-type 0' required before `" + o + "')");
        }
        if (o.equals("--rt-0-res")) {
          reserved = true;
          return;
        }
        Token t = a.value(opt, "ADDR[,ADDR...]");
        for (String s : t.text().split(",", -1)) {
          if (addrs.size() == HOPS) {
            throw a.error(t, "at most " + HOPS + " addresses (too many addresses specified)");
          }
          IpAddress ip = Values.address(s, Family.IPV6);
          if (ip == null) {
            throw a.error(t, "IPv6 addresses (bad address: " + s + ")");
          }
          addrs.add(ip);
        }
        addrsGiven = true;
      }
      default -> {
        if (!addrsGiven) {
          throw a.error(opt, "--rt-0-addrs before --rt-0-not-strict (`--rt-0-addr ...' required before "
              + "`--rt-0-not-strict')");
        }
        notStrict = true;
      }
    }
  }

  private static long number(Args a, String o, Token t) throws RuleSyntaxException {
    long v = Values.uint(t.text(), 0xFFFF_FFFFL);
    if (v < 0) {
      throw a.error(t, "a number 0-4294967295 (bad value for option \"" + o + "\", or out of range (0-4294967295))");
    }
    return v;
  }

  @Override
  Match build(Args a) {
    return new RtMatch(type, typeInv, segsLo, segsHi, segsInv, length, lengthInv, reserved, addrs, addrsGiven,
        notStrict);
  }
}
