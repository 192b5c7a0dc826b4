package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Packet;
import java.util.List;

/**
 * One rule as iptables holds it: the IP header part, the matches in order, and the target (null for
 * a rule with no {@code -j}, which only counts).
 *
 * @param protocol 0 for any
 * @param fragment 0: not tested, 1: {@code -f}, -1: {@code ! -f}
 * @param text the rule as iptables-save prints it
 */
public record Rule(String file, int line, String chain, Cidr src, boolean srcInv, Cidr dst,
    boolean dstInv, String in, boolean inInv, String out, boolean outInv, int protocol,
    boolean protoInv, int fragment, List<Match> matches, Target target, String text) {

  /** The rule cannot match this connection: some part that is constant per connection failed. */
  public static final int NO = 0;
  /** Constant parts matched, a per-packet part did not. */
  public static final int NOT_THIS_PACKET = 1;
  public static final int MATCH = 2;

  public Rule {
    matches = List.copyOf(matches);
  }

  /** True when some part of the rule may differ between packets of one connection direction. */
  public boolean perPacket() {
    if (fragment != 0) {
      return true;
    }
    for (Match m : matches) {
      if (m.perPacket()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Evaluates the rule as the kernel does (header, then matches in order, stopping at the first
   * miss), and also says whether a miss came from a part that is constant for the connection. With
   * {@code whatIf} no stateful match is run (a token bucket, a recent list, a packet counter would
   * change): where one would be, the rule answers {@link #NOT_THIS_PACKET}, as for a per-packet part
   * that may or may not match.
   */
  public int evaluate(Packet p, ConnInfo ct, Attachments at, boolean whatIf) {
    if (protocol != 0 && (p.protocol() == protocol) == protoInv) {
      return NO;
    }
    if (src != null && src.contains(p.src()) == srcInv) {
      return NO;
    }
    if (dst != null && dst.contains(p.dst()) == dstInv) {
      return NO;
    }
    if (in != null && at.in(in) == inInv) {
      return NO;
    }
    if (out != null && at.out(out) == outInv) {
      return NO;
    }
    int result = MATCH;
    if (fragment != 0 && p.fragment() != (fragment > 0)) {
      result = NOT_THIS_PACKET;
    }
    for (int i = 0, n = matches.size(); i < n; i++) {
      Match m = matches.get(i);
      if (result != MATCH) {
        // the kernel stopped already; only the side-effect-free constant parts are still asked
        if (!m.testConstant(p, ct)) {
          return NO;
        }
        continue;
      }
      if (whatIf && m.stateful()) {
        // stateful matches are per-packet, so their constant part is side-effect free
        if (!m.testConstant(p, ct)) {
          return NO;
        }
        result = NOT_THIS_PACKET;
        continue;
      }
      if (!m.test(p, ct, at)) {
        if (!m.perPacket() || !m.testConstant(p, ct)) {
          return NO;
        }
        result = NOT_THIS_PACKET;
      }
    }
    return result;
  }

  /** "file:line" for messages. */
  public String where() {
    return file + ":" + line;
  }

  @Override
  public String toString() {
    return where() + " " + text;
  }
}
