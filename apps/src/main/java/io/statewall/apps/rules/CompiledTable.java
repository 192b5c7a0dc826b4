package io.statewall.apps.rules;

import io.statewall.apps.packet.Packet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fast evaluator. Each chain is indexed on three fields that are constant for a connection:
 * IPv4 source prefix, IPv4 destination prefix and destination port. For a packet each index yields
 * a bitset of the rules that can still match on its field (rules keyed by the packet's value, plus
 * the rules that do not constrain the field); the three are ANDed and the surviving rules are walked
 * in order, each evaluated in full, exactly as the linear interpreter does. Skipped rules are rules
 * that fail a constant field, so verdict, LOGs and offload flag are the interpreter's.
 */
public final class CompiledTable implements TableEvaluator {
  private final CompiledChain[] chains;
  private final Map<String, Integer> index = new HashMap<>();
  private final int userChains;
  private final ThreadLocal<Scratch> scratch;

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
    int words = 1;
    for (CompiledChain c : chains) {
      words = Math.max(words, c.words);
    }
    int w = words;
    int depths = userChains + 1; // Walk's bound on the jump stack
    scratch = ThreadLocal.withInitial(() -> new Scratch(w, depths));
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
    final int words;

    CompiledChain(Chain chain, Map<String, Integer> index) {
      this.chain = chain;
      int n = chain.rules().size();
      rules = chain.rules().toArray(new Rule[0]);
      perPacket = new boolean[n];
      jumpTo = new int[n];
      words = Math.max(1, (n + 63) >>> 6);
      src = new FieldIndex(n);
      dst = new FieldIndex(n);
      dport = new FieldIndex(n);
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

  /**
   * Rules keyed by (prefix length, masked value), as sparse sorted lists, plus a dense bitset of the
   * rules that match any value of the field.
   */
  private static final class FieldIndex {
    private final long[] wild;
    private final IntListMap[] byLength = new IntListMap[33];
    private int[] lengths = new int[0];

    FieldIndex(int rules) {
      wild = new long[Math.max(1, (rules + 63) >>> 6)];
    }

    void wild(int rule) {
      wild[rule >>> 6] |= 1L << rule;
    }

    void key(int length, long value, int rule) {
      if (byLength[length] == null) {
        byLength[length] = new IntListMap();
      }
      byLength[length].add(value, rule);
    }

    void freeze() {
      List<Integer> ls = new ArrayList<>();
      for (int l = 0; l <= 32; l++) {
        if (byLength[l] != null) {
          byLength[l].freeze();
          ls.add(l);
        }
      }
      lengths = ls.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Sets in {@code bits} the rules keyed by {@code value}; value < 0 means none. */
    void mark(long value, boolean masked, long[] bits) {
      if (value < 0) {
        return;
      }
      for (int l : lengths) {
        long k = masked ? (l == 0 ? 0 : value & ((0xFFFF_FFFFL << (32 - l)) & 0xFFFF_FFFFL)) : value;
        int[] hit = byLength[l].get(k);
        if (hit == null) {
          continue;
        }
        for (int r : hit) {
          bits[r >>> 6] |= 1L << r;
        }
      }
    }
  }

  /** Per-thread scratch bitsets, as wide as the widest chain. */
  private static final class Scratch {
    final long[] src;
    final long[] dst;
    final long[] port;
    final long[] cand;
    /** Per jump depth, the candidates of the chain to return to (made on first use). */
    final long[][] saved;

    Scratch(int words, int depths) {
      src = new long[words];
      dst = new long[words];
      port = new long[words];
      cand = new long[words];
      saved = new long[depths][];
    }
  }

  /**
   * Fills {@code s.cand} with the rules of {@code cc} that can match {@code p} on all three indexed
   * fields: per field (rules keyed by the packet's value | rules that do not constrain it), ANDed.
   */
  private static void candidates(CompiledChain cc, Packet p, Scratch s) {
    long srcV = p.src() != null && !p.src().v6() ? p.src().lo() : -1;
    long dstV = p.dst() != null && !p.dst().v6() ? p.dst().lo() : -1;
    long portV = !p.fragment() && p.dstPort() >= 0 ? p.dstPort() : -1;
    cc.src.mark(srcV, true, s.src);
    cc.dst.mark(dstV, true, s.dst);
    cc.dport.mark(portV, false, s.port);
    long[] ws = cc.src.wild;
    long[] wd = cc.dst.wild;
    long[] wp = cc.dport.wild;
    long[] a = s.src;
    long[] b = s.dst;
    long[] c = s.port;
    long[] out = s.cand;
    int n = ws.length;
    for (int w = 0; w < n; w++) {
      out[w] = (ws[w] | a[w]) & (wd[w] | b[w]) & (wp[w] | c[w]);
    }
    // zeroing the chain's few words is cheaper than a second round of index lookups
    java.util.Arrays.fill(a, 0, n, 0L);
    java.util.Arrays.fill(b, 0, n, 0L);
    java.util.Arrays.fill(c, 0, n, 0L);
  }

  /** Keeps the calling chain's candidates while a jumped-to chain uses the scratch. */
  private static void save(Scratch s, int depth, int words) {
    if (s.saved[depth] == null) {
      s.saved[depth] = new long[s.cand.length];
    }
    System.arraycopy(s.cand, 0, s.saved[depth], 0, words);
  }

  private static void restore(Scratch s, int depth, int words) {
    System.arraycopy(s.saved[depth], 0, s.cand, 0, words);
  }

  /** The first candidate rule index >= from, or -1. */
  private static int nextCandidate(long[] cand, int words, int from) {
    int w = from >>> 6;
    if (w >= words) {
      return -1;
    }
    long word = cand[w] & (-1L << from);
    while (true) {
      if (word != 0) {
        return (w << 6) + Long.numberOfTrailingZeros(word);
      }
      if (++w >= words) {
        return -1;
      }
      word = cand[w];
    }
  }

  @Override
  public Outcome evaluate(String builtin, Packet p, ConnInfo ct, Attachments at) {
    Integer start = index.get(builtin);
    if (start == null) {
      return Outcome.acceptedWithoutRules(builtin);
    }
    CompiledChain base = chains[start];
    Walk w = new Walk(userChains);
    Scratch s = scratch.get();
    int c = start;
    CompiledChain cc = base;
    candidates(cc, p, s);
    int i = 0;
    while (true) {
      i = nextCandidate(s.cand, cc.words, i);
      if (i < 0) {
        if (w.depth == 0) {
          return w.finish(LinearInterpreter.verdictOf(base.chain.policy()), null, base.chain.name(), null);
        }
        w.depth--;
        c = w.retChain[w.depth];
        cc = chains[c];
        restore(s, w.depth, cc.words);
        i = w.retIndex[w.depth];
        continue;
      }
      Rule r = cc.rules[i++];
      int m = r.evaluate(p, ct, at);
      if (m == Rule.NO) {
        continue;
      }
      if (cc.perPacket[i - 1]) {
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
          restore(s, w.depth, cc.words);
          i = w.retIndex[w.depth];
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
          w.retIndex[w.depth] = i;
          save(s, w.depth, cc.words);
          w.depth++;
        }
        c = cc.jumpTo[i - 1];
        cc = chains[c];
        candidates(cc, p, s);
        i = 0;
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
