package io.statewall.apps.rules;

import io.statewall.apps.packet.Packet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fast evaluator. Each chain is indexed on three fields that are constant for a connection:
 * IPv4 source prefix, IPv4 destination prefix and destination port. For a packet each index yields
 * the rules that can still match on its field (rules keyed by the packet's value, plus the rules that
 * do not constrain the field); the smallest of the three candidate lists is walked in rule order and
 * each candidate is evaluated in full, exactly as the linear interpreter does. Skipped rules are rules
 * that fail a constant field, so verdict, LOGs and offload flag are the interpreter's.
 */
public final class CompiledTable implements TableEvaluator {
  private final CompiledChain[] chains;
  private final Map<String, Integer> index = new HashMap<>();
  private final int userChains;

  public CompiledTable(RuleTable table) {
    List<Chain> cs = table.chains();
    for (int i = 0; i < cs.size(); i++) {
      index.put(cs.get(i).name(), i);
    }
    chains = new CompiledChain[cs.size()];
    for (int i = 0; i < cs.size(); i++) {
      chains[i] = new CompiledChain(cs.get(i), index);
    }
    userChains = (int) cs.stream().filter(c -> !c.builtin()).count();
  }

  /** One chain: rules, their decoded targets, and the three field indexes. */
  private static final class CompiledChain {
    final Chain chain;
    final Rule[] rules;
    final boolean[] perPacket;
    final int[] jumpTo;
    final FieldIndex src;
    final FieldIndex dst;
    final FieldIndex dport;

    CompiledChain(Chain chain, Map<String, Integer> index) {
      this.chain = chain;
      int n = chain.rules().size();
      rules = chain.rules().toArray(new Rule[0]);
      perPacket = new boolean[n];
      jumpTo = new int[n];
      src = new FieldIndex();
      dst = new FieldIndex();
      dport = new FieldIndex();
      for (int i = 0; i < n; i++) {
        Rule r = rules[i];
        perPacket[i] = r.perPacket();
        jumpTo[i] = r.target() instanceof Target.Jump j ? index.get(j.chain()) : -1;
        addAddress(src, r.src(), r.srcInv(), i);
        addAddress(dst, r.dst(), r.dstInv(), i);
        addPorts(r, i);
      }
      src.freeze();
      dst.freeze();
      dport.freeze();
    }

    private static void addAddress(FieldIndex f, Cidr c, boolean inv, int i) {
      if (c == null || inv || c.v6() || c.prefix() < 0) {
        f.wild(i);
      } else {
        f.key(c.prefix(), c.network().lo(), i);
      }
    }

    /** Keys a rule on its destination port(s) when some match pins them and nothing stateful precedes it. */
    private void addPorts(Rule r, int i) {
      for (Match m : r.matches()) {
        if (m instanceof Match.Limit) {
          break;
        }
        if (m instanceof Match.Ports p && p.dport() != null && !p.dportInv() && p.dport().lo() == p.dport().hi()) {
          dport.key(0, p.dport().lo(), i);
          return;
        }
        if (m instanceof Match.Multiport mp && !mp.invert() && mp.which() == Match.Multiport.Which.DESTINATION
            && mp.ports().stream().allMatch(pr -> pr.lo() == pr.hi())) {
          for (PortRange pr : mp.ports()) {
            dport.key(0, pr.lo(), i);
          }
          return;
        }
      }
      dport.wild(i);
    }
  }

  /** Rules keyed by (prefix length, masked value) plus the rules that match any value. */
  private static final class FieldIndex {
    private int[] wild = new int[8];
    private int wildCount;
    private final IntListMap[] byLength = new IntListMap[33];
    private int[] lengths = new int[0];

    void wild(int rule) {
      if (wildCount == wild.length) {
        wild = Arrays.copyOf(wild, wildCount * 2);
      }
      wild[wildCount++] = rule;
    }

    void key(int length, long value, int rule) {
      if (byLength[length] == null) {
        byLength[length] = new IntListMap();
      }
      byLength[length].add(value, rule);
    }

    void freeze() {
      wild = Arrays.copyOf(wild, wildCount);
      List<Integer> ls = new ArrayList<>();
      for (int l = 0; l <= 32; l++) {
        if (byLength[l] != null) {
          byLength[l].freeze();
          ls.add(l);
        }
      }
      lengths = ls.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Fills {@code out} with the candidate lists for {@code value} (or only wild when < 0); returns the total size. */
    int candidates(long value, boolean masked, Lists out) {
      out.clear();
      out.add(wild);
      int total = wild.length;
      if (value < 0) {
        return total;
      }
      for (int l : lengths) {
        long k = masked ? (l == 0 ? 0 : value & ((0xFFFF_FFFFL << (32 - l)) & 0xFFFF_FFFFL)) : value;
        int[] hit = byLength[l].get(k);
        if (hit != null) {
          out.add(hit);
          total += hit.length;
        }
      }
      return total;
    }
  }

  /** A reusable bundle of sorted int lists, merged in order without duplicates. */
  private static final class Lists {
    int[][] lists = new int[4][];
    int[] pos = new int[4];
    int k;
    int last;

    void clear() {
      k = 0;
      last = -1;
    }

    void add(int[] l) {
      if (k == lists.length) {
        lists = Arrays.copyOf(lists, k * 2);
        pos = Arrays.copyOf(pos, k * 2);
      }
      lists[k++] = l;
    }

    /** Positions every list at the first rule index >= from. */
    void seek(int from) {
      last = -1;
      for (int j = 0; j < k; j++) {
        int p = Arrays.binarySearch(lists[j], from);
        pos[j] = p >= 0 ? p : -p - 1;
      }
    }

    /** The next rule index in order, or -1. */
    int next() {
      while (true) {
        int best = Integer.MAX_VALUE;
        int bj = -1;
        for (int j = 0; j < k; j++) {
          int[] l = lists[j];
          if (pos[j] < l.length && l[pos[j]] < best) {
            best = l[pos[j]];
            bj = j;
          }
        }
        if (bj < 0) {
          return -1;
        }
        pos[bj]++;
        if (best != last) {
          last = best;
          return best;
        }
      }
    }
  }

  /** Per-chain-visit scratch: three candidate bundles, the chosen one in use. */
  private static final class Scratch {
    final Lists a = new Lists();
    final Lists b = new Lists();
    final Lists c = new Lists();
  }

  private static Lists candidates(CompiledChain cc, Packet p, Scratch s) {
    long srcV = p.src() != null && !p.src().v6() ? p.src().lo() : -1;
    long dstV = p.dst() != null && !p.dst().v6() ? p.dst().lo() : -1;
    long portV = !p.fragment() && p.dstPort() >= 0 ? p.dstPort() : -1;
    int na = cc.src.candidates(srcV, true, s.a);
    int nb = cc.dst.candidates(dstV, true, s.b);
    int nc = cc.dport.candidates(portV, false, s.c);
    return na <= nb ? (na <= nc ? s.a : s.c) : (nb <= nc ? s.b : s.c);
  }

  @Override
  public Outcome evaluate(String builtin, Packet p, ConnInfo ct, Attachments at) {
    Integer start = index.get(builtin);
    if (start == null) {
      return Outcome.acceptedWithoutRules(builtin);
    }
    CompiledChain base = chains[start];
    Walk w = new Walk(userChains);
    Scratch s = new Scratch();
    int c = start;
    CompiledChain cc = base;
    Lists cur = candidates(cc, p, s);
    cur.seek(0);
    while (true) {
      int i = cur.next();
      if (i < 0) {
        if (w.depth == 0) {
          return w.finish(LinearInterpreter.verdictOf(base.chain.policy()), null, base.chain.name(), null);
        }
        w.depth--;
        c = w.retChain[w.depth];
        cc = chains[c];
        cur = candidates(cc, p, new Scratch());
        cur.seek(w.retIndex[w.depth]);
        continue;
      }
      Rule r = cc.rules[i];
      int m = r.evaluate(p, ct, at);
      if (m == Rule.NO) {
        continue;
      }
      if (cc.perPacket[i]) {
        w.tainted = true;
      }
      if (m != Rule.MATCH) {
        continue;
      }
      Target t = r.target();
      if (t == null) {
        continue;
      }
      if (t instanceof Target.Standard st) {
        if (st == Target.Standard.RETURN) {
          if (w.depth == 0) {
            return w.finish(LinearInterpreter.verdictOf(base.chain.policy()), null, base.chain.name(), null);
          }
          w.depth--;
          c = w.retChain[w.depth];
          cc = chains[c];
          cur = candidates(cc, p, new Scratch());
          cur.seek(w.retIndex[w.depth]);
          continue;
        }
        return w.finish(LinearInterpreter.verdictOf(st), r, r.chain(), null);
      }
      if (t instanceof Target.Jump j) {
        if (!j.isGoto()) {
          if (w.depth >= w.maxDepth) {
            return w.finish(Verdict.DROP, r, r.chain(), null);
          }
          w.retChain[w.depth] = c;
          w.retIndex[w.depth] = i + 1;
          w.depth++;
        }
        c = cc.jumpTo[i];
        cc = chains[c];
        cur = candidates(cc, p, new Scratch());
        cur.seek(0);
        continue;
      }
      if (t instanceof Target.Reject rj) {
        return w.finish(Verdict.REJECT, r, r.chain(), rj.type());
      }
      if (t instanceof Target.Log l) {
        w.log(l, r);
        continue;
      }
      if (t instanceof Target.Ct ctT && w.ct == null) {
        w.ct = ctT;
      }
    }
  }
}
