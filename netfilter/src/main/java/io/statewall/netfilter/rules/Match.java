package io.statewall.netfilter.rules;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * One {@code -m} extension of a rule, with its options; the closed set statewall supports (the
 * nested records, and the larger extensions in files of their own).
 */
public sealed interface Match permits Match.Conntrack, Match.Ports, Match.Icmp, Match.Multiport, Match.IpRange,
    Match.Mac, Match.Length, Match.Limit, Match.Recent, Match.Helper, Match.Comment, Match.PktType, Match.Checked,
    HopLimitMatch, StatisticMatch, SctpMatch, RtMatch, ConnLimitMatch, HashLimitMatch, SetMatch, TimeMatch,
    StringMatch, RpFilterMatch, AddrTypeMatch {

  /** Whether the packet (with its connection) satisfies this match. */
  boolean test(Packet p, ConnInfo ct);

  /** As {@link #test(Packet, ConnInfo)}, for a match that also asks where the packet came from. */
  default boolean test(Packet p, ConnInfo ct, Attachments at) {
    return test(p, ct);
  }

  /**
   * True when two packets of the same connection, direction and state may get different results:
   * then a flow entry cannot stand in for this decision.
   */
  boolean perPacket();

  /** Appends the match as iptables-save prints it, starting with " -m name". */
  void save(StringBuilder sb);

  /**
   * Why statewall cannot decide this match in an enforced table, or null when it can: such a rule
   * loads and prints, and a policy that would enforce it is refused naming the rule.
   */
  default String unenforced() {
    return null;
  }

  /**
   * The part of the test that is constant for a connection's direction and state, without side
   * effects: false means no packet of this connection can match. Equals {@link #test} for a match
   * that is not {@link #perPacket}.
   */
  default boolean testConstant(Packet p, ConnInfo ct) {
    return perPacket() || test(p, ct);
  }

  /**
   * True when testing the match changes state that later packets see (a token bucket, a recent
   * list, a packet counter): the classifier must then never skip the rule on a field tested after it.
   */
  default boolean stateful() {
    return false;
  }

  /** " !" before an inverted option, as iptables-save prints it. */
  static String inv(boolean invert) {
    return invert ? " !" : "";
  }

  /** Bits of -m state/--ctstate, in the order iptables prints them. */
  enum StateBit {
    INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED, SNAT, DNAT;

    static int bitOf(CtState s) {
      return switch (s) {
        case INVALID -> 1 << INVALID.ordinal();
        case NEW -> 1 << NEW.ordinal();
        case RELATED -> 1 << RELATED.ordinal();
        case ESTABLISHED -> 1 << ESTABLISHED.ordinal();
        case UNTRACKED -> 1 << UNTRACKED.ordinal();
      };
    }

    static String names(int mask) {
      StringBuilder sb = new StringBuilder();
      for (StateBit b : values()) {
        if ((mask & (1 << b.ordinal())) != 0) {
          sb.append(sb.length() > 0 ? "," : "").append(b.name());
        }
      }
      return sb.toString();
    }
  }

  /**
   * {@code -m state --state} and {@code -m conntrack}: both are xt_conntrack in the kernel.
   * Fields that are not set are -1 (state, proto, status, dir); the address and port tests are lists
   * in iptables-save's order.
   *
   * @param expLo with {@code expHi}, the {@code --ctexpire} range of remaining seconds; -1 when not tested
   * @param dir -1 when not tested, 0 ORIGINAL, 1 REPLY
   */
  record Conntrack(boolean stateAlias, int stateMask, boolean stateInv, int proto, boolean protoInv,
      List<CtAddr> addrs, List<CtPort> ports, int statusMask, boolean statusInv, long expLo, long expHi,
      boolean expInv, int dir) implements Match {

    /** Which tuple field a {@code --ctorig...}/{@code --ctrepl...} option tests. */
    public enum Field {
      ORIGSRC("--ctorigsrc"), ORIGDST("--ctorigdst"), REPLSRC("--ctreplsrc"), REPLDST("--ctrepldst");

      final String option;

      Field(String option) {
        this.option = option;
      }

      IpAddress address(ConnInfo ct) {
        return switch (this) {
          case ORIGSRC -> ct.origSrc();
          case ORIGDST -> ct.origDst();
          case REPLSRC -> ct.replySrc();
          case REPLDST -> ct.replyDst();
        };
      }

      int port(ConnInfo ct) {
        return switch (this) {
          case ORIGSRC -> ct.origSrcPort();
          case ORIGDST -> ct.origDstPort();
          case REPLSRC -> ct.replySrcPort();
          case REPLDST -> ct.replyDstPort();
        };
      }
    }

    /** An address test; {@code shown} is the address as given (libxt_conntrack prints it unmasked). */
    public record CtAddr(Field field, Cidr cidr, IpAddress shown, boolean inv) {}

    /** A port test {@code lo[:hi]} (revision 3: a range, printed as one port when lo == hi). */
    public record CtPort(Field field, int lo, int hi, boolean inv) {}

    public Conntrack {
      addrs = List.copyOf(addrs);
      ports = List.copyOf(ports);
    }

    @Override
    public boolean test(Packet p, ConnInfo ct) {
      if (stateMask >= 0) {
        boolean in = (stateMask & StateBit.bitOf(ct.state())) != 0;
        if (in == stateInv) {
          return false;
        }
      }
      if (!ct.tracked()) {
        // Linux: without a conntrack entry only a pure state test can match
        return proto < 0 && addrs.isEmpty() && ports.isEmpty() && statusMask < 0 && expLo < 0 && dir < 0;
      }
      if (dir >= 0 && (ct.direction() == CtDirection.ORIGINAL) != (dir == 0)) {
        return false;
      }
      for (int i = 0, n = addrs.size(); i < n; i++) {
        CtAddr a = addrs.get(i);
        if (a.cidr.contains(a.field.address(ct)) == a.inv) {
          return false;
        }
      }
      if (proto >= 0 && (ct.protocol() == proto) == protoInv) {
        return false;
      }
      for (int i = 0, n = ports.size(); i < n; i++) {
        CtPort pt = ports.get(i);
        int v = pt.field.port(ct);
        if ((v >= pt.lo && v <= pt.hi) == pt.inv) {
          return false;
        }
      }
      if (statusMask >= 0 && ((ct.status() & statusMask) != 0) == statusInv) {
        return false;
      }
      if (expLo >= 0) {
        long left = ct.secondsLeft();
        return left >= 0 && (left >= expLo && left <= expHi) != expInv;
      }
      return true;
    }

    @Override
    public boolean testConstant(Packet p, ConnInfo ct) {
      return perPacket() ? constantPart().test(p, ct) : test(p, ct);
    }

    private Conntrack constantPart() {
      return new Conntrack(stateAlias, stateMask, stateInv, proto, protoInv, addrs, ports, -1, false, -1, -1, false,
          dir);
    }

    @Override
    public boolean perPacket() {
      // status bits (SEEN_REPLY, ASSURED) and the time left change during one connection's life
      return statusMask >= 0 || expLo >= 0;
    }

    @Override
    public void save(StringBuilder sb) {
      if (stateAlias) {
        sb.append(" -m state").append(inv(stateInv)).append(" --state ").append(StateBit.names(stateMask));
        return;
      }
      sb.append(" -m conntrack");
      if (stateMask >= 0) {
        sb.append(inv(stateInv)).append(" --ctstate ").append(StateBit.names(stateMask));
      }
      if (proto >= 0) {
        sb.append(inv(protoInv)).append(" --ctproto ").append(proto);
      }
      for (Field f : Field.values()) {
        for (CtAddr a : addrs) {
          if (a.field == f) {
            sb.append(inv(a.inv)).append(' ').append(f.option).append(' ').append(addr(a.shown, a.cidr));
          }
        }
      }
      for (Field f : Field.values()) {
        for (CtPort pt : ports) {
          if (pt.field == f) {
            sb.append(inv(pt.inv)).append(' ').append(f.option).append("port ").append(pt.lo);
            if (pt.hi != pt.lo) {
              sb.append(':').append(pt.hi);
            }
          }
        }
      }
      if (statusMask >= 0) {
        sb.append(inv(statusInv)).append(" --ctstatus ").append(statusNames(statusMask));
      }
      if (expLo >= 0) {
        sb.append(inv(expInv)).append(" --ctexpire ").append(expLo);
        if (expHi != expLo) {
          sb.append(':').append(expHi);
        }
      }
      if (dir >= 0) {
        sb.append(" --ctdir ").append(dir == 0 ? "ORIGINAL" : "REPLY");
      }
    }

    /** libxt_conntrack prints the address as given (unmasked) and the mask only when not full. */
    private static String addr(IpAddress shown, Cidr c) {
      return c.isHost() ? shown.toString() : shown + "/" + c.maskText();
    }

    static final List<String> STATUS = List.of("EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED");

    static String statusNames(int mask) {
      return bitNames(mask, STATUS);
    }
  }

  /**
   * {@code -m tcp} or {@code -m udp}: ports, and for TCP the flags and {@code --tcp-option}.
   *
   * @param option the TCP option kind {@code --tcp-option} looks for, 0 when not given
   */
  record Ports(boolean tcp, PortRange sport, boolean sportInv, PortRange dport, boolean dportInv,
      int flagMask, int flagCmp, boolean flagsInv, int option, boolean optionInv) implements Match {

    @Override
    public boolean test(Packet p, ConnInfo ct) {
      return testConstant(p, ct)
          && (flagMask < 0 || (((p.tcpFlags() & flagMask) == flagCmp) != flagsInv))
          && (option == 0 || hasOption(p) != optionInv);
    }

    @Override
    public boolean testConstant(Packet p, ConnInfo ct) {
      if (p.fragment() || p.srcPort() < 0) {
        return false;
      }
      if (sport != null && sport.contains(p.srcPort()) == sportInv) {
        return false;
      }
      return dport == null || dport.contains(p.dstPort()) != dportInv;
    }

    /** xt_tcpudp's tcp_find_option: the option list between the fixed header and the data offset. */
    private boolean hasOption(Packet p) {
      byte[] b = p.frame();
      int start = p.l4Offset() + 20;
      int end = p.payloadOffset();
      if (b == null || p.l4Offset() < 0 || end < start || end > b.length) {
        return false;
      }
      for (int i = start; i < end; ) {
        int kind = b[i] & 0xFF;
        if (kind == option) {
          return true;
        }
        int len = kind < 2 || i + 1 >= end ? 1 : b[i + 1] & 0xFF;
        i += len == 0 ? 1 : len;
      }
      return false;
    }

    @Override
    public boolean perPacket() {
      return flagMask >= 0 || option != 0;
    }

    @Override
    public void save(StringBuilder sb) {
      sb.append(tcp ? " -m tcp" : " -m udp");
      if (sport != null && !sport.isAll()) {
        sb.append(inv(sportInv)).append(" --sport ").append(sport);
      }
      if (dport != null && !dport.isAll()) {
        sb.append(inv(dportInv)).append(" --dport ").append(dport);
      }
      if (option != 0) {
        sb.append(inv(optionInv)).append(" --tcp-option ").append(option);
      }
      if (flagMask >= 0) {
        sb.append(inv(flagsInv)).append(" --tcp-flags ").append(flagNames(flagMask)).append(' ')
            .append(flagNames(flagCmp));
      }
    }

    static final List<String> FLAGS = List.of("FIN", "SYN", "RST", "PSH", "ACK", "URG");

    static String flagNames(int mask) {
      return bitNames(mask, FLAGS);
    }
  }

  /** {@code -m icmp --icmp-type} (v6: {@code -m icmp6 --icmpv6-type}); type 255 is "any" for v4. */
  record Icmp(Family family, int type, int codeMin, int codeMax, boolean invert) implements Match {
    @Override
    public boolean test(Packet p, ConnInfo ct) {
      if (p.fragment() || p.icmpType() < 0) {
        return false;
      }
      boolean m = (family == Family.IPV4 && type == 0xFF)
          || (p.icmpType() == type && p.icmpCode() >= codeMin && p.icmpCode() <= codeMax);
      return m != invert;
    }

    @Override
    public boolean perPacket() {
      return false;
    }

    @Override
    public void save(StringBuilder sb) {
      sb.append(family == Family.IPV6 ? " -m icmp6" : " -m icmp").append(inv(invert))
          .append(family == Family.IPV6 ? " --icmpv6-type " : " --icmp-type ");
      if (family == Family.IPV4 && type == 0xFF && codeMin == 0 && codeMax == 0xFF) {
        sb.append("any");
        return;
      }
      sb.append(type);
      if (codeMin == codeMax) {
        sb.append('/').append(codeMin);
      } else if (codeMin != 0 || codeMax != 0xFF) {
        sb.append(" codes ").append(codeMin).append('-').append(codeMax);
      }
    }
  }

  /** {@code -m multiport}: up to 15 ports (a range counts two) on source, destination or either. */
  record Multiport(Which which, List<PortRange> ports, boolean invert) implements Match {
    /** Which port(s) the list applies to. */
    public enum Which { SOURCE, DESTINATION, EITHER }

    @Override
    public boolean test(Packet p, ConnInfo ct) {
      if (p.fragment() || p.srcPort() < 0) {
        return false;
      }
      for (PortRange r : ports) {
        boolean hit = switch (which) {
          case SOURCE -> r.contains(p.srcPort());
          case DESTINATION -> r.contains(p.dstPort());
          case EITHER -> r.contains(p.srcPort()) || r.contains(p.dstPort());
        };
        if (hit) {
          return !invert;
        }
      }
      return invert;
    }

    @Override
    public boolean perPacket() {
      return false;
    }

    @Override
    public void save(StringBuilder sb) {
      sb.append(" -m multiport").append(inv(invert)).append(switch (which) {
        case SOURCE -> " --sports ";
        case DESTINATION -> " --dports ";
        case EITHER -> " --ports ";
      });
      for (int i = 0; i < ports.size(); i++) {
        sb.append(i > 0 ? "," : "").append(ports.get(i));
      }
    }
  }

  /** {@code -m iprange --src-range/--dst-range a-b} (either may be null). */
  record IpRange(IpAddress srcLo, IpAddress srcHi, boolean srcInv, IpAddress dstLo, IpAddress dstHi,
      boolean dstInv) implements Match {
    @Override
    public boolean test(Packet p, ConnInfo ct) {
      if (srcLo != null && in(p.src(), srcLo, srcHi) == srcInv) {
        return false;
      }
      return dstLo == null || in(p.dst(), dstLo, dstHi) != dstInv;
    }

    private static boolean in(IpAddress a, IpAddress lo, IpAddress hi) {
      return a != null && a.family() == lo.family() && a.compareTo(lo) >= 0 && a.compareTo(hi) <= 0;
    }

    @Override
    public boolean perPacket() {
      return false;
    }

    @Override
    public void save(StringBuilder sb) {
      sb.append(" -m iprange");
      if (srcLo != null) {
        sb.append(inv(srcInv)).append(" --src-range ").append(srcLo).append('-').append(srcHi);
      }
      if (dstLo != null) {
        sb.append(inv(dstInv)).append(" --dst-range ").append(dstLo).append('-').append(dstHi);
      }
    }
  }

  /** {@code -m mac --mac-source}: the frame's source MAC. */
  record Mac(long mac, boolean invert) implements Match {
    @Override
    public boolean test(Packet p, ConnInfo ct) {
      return (p.srcMac() == mac) != invert;
    }

    @Override
    public boolean perPacket() {
      return true;
    }

    @Override
    public void save(StringBuilder sb) {
      sb.append(" -m mac").append(inv(invert)).append(" --mac-source ");
      for (int i = 5; i >= 0; i--) {
        sb.append(String.format(Locale.ROOT, "%02x", (mac >>> (8 * i)) & 0xFF)).append(i > 0 ? ":" : "");
      }
    }
  }

  /** {@code -m length --length a[:b]}: the IP datagram's length. */
  record Length(int min, int max, boolean invert) implements Match {
    @Override
    public boolean test(Packet p, ConnInfo ct) {
      return (p.ipLength() >= min && p.ipLength() <= max) != invert;
    }

    @Override
    public boolean perPacket() {
      return true;
    }

    @Override
    public void save(StringBuilder sb) {
      sb.append(" -m length").append(inv(invert)).append(" --length ").append(min);
      if (min != max) {
        sb.append(':').append(max);
      }
    }
  }

  /**
   * {@code -m limit}: the kernel's token bucket. {@code avg} is in 1/10000 s per packet as iptables
   * stores it; the bucket is the rule's own mutable state, as in the kernel.
   */
  record Limit(long avg, int burst, Bucket bucket) implements Match {
    static final long SCALE = 10_000;

    @Override
    public boolean test(Packet p, ConnInfo ct) {
      return bucket.take();
    }

    @Override
    public boolean stateful() {
      return true;
    }

    @Override
    public boolean perPacket() {
      return true;
    }

    @Override
    public void save(StringBuilder sb) {
      sb.append(" -m limit --limit ").append(rate(avg));
      if (burst != 5) {
        sb.append(" --limit-burst ").append(burst);
      }
    }

    /** iptables' print_rate for limit's scale. */
    static String rate(long period) {
      return Rates.text(period, SCALE);
    }

    /** A token bucket over an injected nanosecond clock. */
    public static final class Bucket {
      private final LongSupplier clock;
      private final long costNanos;
      private final long capNanos;
      private long credit;
      private long last;

      Bucket(LongSupplier clock, long avg, int burst) {
        this.clock = clock;
        this.costNanos = avg * 100_000L;
        this.capNanos = costNanos * burst;
        this.credit = capNanos;
        this.last = clock.getAsLong();
      }

      synchronized boolean take() {
        long now = clock.getAsLong();
        credit = Math.min(capNanos, credit + Math.max(0, now - last));
        last = now;
        if (credit >= costNanos) {
          credit -= costNanos;
          return true;
        }
        return false;
      }
    }
  }

  /**
   * {@code -m recent}: xt_recent's test of one named list of the rule set ({@link RecentLists}),
   * by the packet's source ({@code --rsource}) or destination ({@code --rdest}) address.
   *
   * @param seconds 0 when not given (an unsigned 32-bit value)
   * @param hitCount 0 when not given
   * @param mask the list's address mask as the rule gave it (printed as given)
   */
  record Recent(Op op, boolean invert, long seconds, boolean reap, int hitCount, boolean rttl, String name,
      IpAddress mask, boolean dest, RecentLists.RecentList list) implements Match {
    /** The one operation of a recent match. */
    public enum Op { SET, CHECK, UPDATE, REMOVE }

    @Override
    public boolean test(Packet p, ConnInfo ct) {
      return list.test(this, dest ? p.dst() : p.src(), p.ttl());
    }

    @Override
    public boolean perPacket() {
      return true;
    }

    @Override
    public boolean stateful() {
      return true;
    }

    @Override
    public void save(StringBuilder sb) {
      sb.append(" -m recent").append(inv(invert)).append(switch (op) {
        case SET -> " --set";
        case CHECK -> " --rcheck";
        case UPDATE -> " --update";
        case REMOVE -> " --remove";
      });
      if (seconds != 0) {
        // libxt_recent prints the unsigned value with %d
        sb.append(" --seconds ").append((int) seconds);
      }
      if (reap) {
        sb.append(" --reap");
      }
      if (hitCount != 0) {
        sb.append(" --hitcount ").append(hitCount);
      }
      if (rttl) {
        sb.append(" --rttl");
      }
      sb.append(" --name ").append(name).append(" --mask ").append(mask).append(dest ? " --rdest" : " --rsource");
    }
  }

  /** {@code -m helper --helper NAME}: the helper attached to the packet's connection. */
  record Helper(String name, boolean invert) implements Match {
    @Override
    public boolean test(Packet p, ConnInfo ct) {
      boolean m = ct.tracked() && ct.helper() != null && ct.helper().equals(name);
      return m != invert;
    }

    @Override
    public boolean perPacket() {
      return false;
    }

    @Override
    public void save(StringBuilder sb) {
      sb.append(" -m helper").append(inv(invert)).append(" --helper ").append(Quoting.save(name));
    }
  }

  /** {@code -m comment}: always matches; kept for the canonical output. */
  record Comment(String text) implements Match {
    @Override
    public boolean test(Packet p, ConnInfo ct) {
      return true;
    }

    @Override
    public boolean perPacket() {
      return false;
    }

    @Override
    public void save(StringBuilder sb) {
      sb.append(" -m comment --comment ").append(Quoting.save(text));
    }
  }

  /** {@code -m pkttype}: link-layer class of the destination MAC. */
  record PktType(String type, boolean invert) implements Match {
    @Override
    public boolean test(Packet p, ConnInfo ct) {
      long d = p.dstMac() & 0xFFFF_FFFF_FFFFL;
      String actual = d == 0xFFFF_FFFF_FFFFL ? "broadcast" : (d >>> 40 & 1) != 0 ? "multicast" : "unicast";
      return actual.equals(type) != invert;
    }

    @Override
    public boolean perPacket() {
      return true;
    }

    @Override
    public void save(StringBuilder sb) {
      sb.append(" -m pkttype").append(inv(invert)).append(" --pkt-type ").append(type);
    }
  }

  /**
   * A match read, checked and printed as iptables does but not decided by statewall (mark,
   * connmark): it appears in tables statewall does not enforce, and refuses a policy that would
   * enforce it. It never matches.
   *
   * @param text the match as iptables-save prints it, starting with " -m name"
   * @param why what deciding it would need, for the refusal message
   */
  record Checked(String name, String text, String why) implements Match {
    @Override
    public boolean test(Packet p, ConnInfo ct) {
      return false;
    }

    @Override
    public boolean perPacket() {
      return true;
    }

    @Override
    public void save(StringBuilder sb) {
      sb.append(text);
    }

    @Override
    public String unenforced() {
      return why;
    }
  }

  /** The names of the bits set in {@code mask} (bit i named {@code names.get(i)}), as iptables-save prints them. */
  private static String bitNames(int mask, List<String> names) {
    if (mask == 0) {
      return "NONE";
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < names.size(); i++) {
      if ((mask & (1 << i)) != 0) {
        sb.append(sb.length() > 0 ? "," : "").append(names.get(i));
      }
    }
    return sb.toString();
  }
}
