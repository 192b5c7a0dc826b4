package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.Packet;
import java.util.ArrayList;
import java.util.Arrays;
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
  /**
   * The keyed rules of all chains in one index per field, each chain's rules numbered from its own
   * 64-bit word ({@code CompiledChain.word}): a packet's value is looked up once per evaluation,
   * not once per chain it enters (the bench policy's ten user chains cost 26 lookups per SYN).
   */
  private final FieldIndex src;
  private final FieldIndex dst;
  private final FieldIndex dport;
  private final int totalWords;
  private final RuleCounters counters;

  public CompiledTable(RuleTable table) {
    List<Chain> cs = table.chains();
    for (int i = 0; i < cs.size(); i++) {
      index.put(cs.get(i).name(), i);
    }
    chains = new CompiledChain[cs.size()];
    int word = 0;
    for (int i = 0; i < cs.size(); i++) {
      chains[i] = new CompiledChain(cs.get(i), index, word);
      word += chains[i].words;
    }
    totalWords = Math.max(1, word);
    src = new FieldIndex();
    dst = new FieldIndex();
    dport = new FieldIndex();
    for (CompiledChain c : chains) {
      c.index(src, dst, dport);
    }
    src.freeze();
    dst.freeze();
    dport.freeze();
    userChains = (int) cs.stream().filter(c -> !c.builtin()).count();
    int words = 1;
    for (CompiledChain c : chains) {
      words = Math.max(words, c.words);
    }
    int w = words;
    int all = totalWords;
    int depths = userChains + 1; // Walk's bound on the jump stack
    scratch = ThreadLocal.withInitial(() -> new Scratch(w, all, depths));
    counters = new RuleCounters(table);
  }

  @Override
  public RuleCounters counters() {
    return counters;
  }

  /** One chain: rules, their decoded targets, and which rules each index field leaves unconstrained. */
  private static final class CompiledChain {
    final Chain chain;
    final Rule[] rules;
    final boolean[] perPacket;
    final int[] jumpTo;
    /** The chain's first word in the table-wide bitsets (its rule i is bit word * 64 + i). */
    final int word;
    final int words;
    final long[] srcWild;
    final long[] dstWild;
    final long[] portWild;

    CompiledChain(Chain chain, Map<String, Integer> index, int word) {
      this.chain = chain;
      this.word = word;
      int n = chain.rules().size();
      rules = chain.rules().toArray(new Rule[0]);
      perPacket = new boolean[n];
      jumpTo = new int[n];
      words = Math.max(1, (n + 63) >>> 6);
      srcWild = new long[words];
      dstWild = new long[words];
      portWild = new long[words];
      for (int i = 0; i < n; i++) {
        Rule r = rules[i];
        perPacket[i] = r.perPacket();
        jumpTo[i] = r.target() instanceof Target.Jump j ? index.get(j.chain()) : -1;
      }
    }

    /** Puts this chain's keyed rules into the table-wide indexes, under their table-wide numbers. */
    void index(FieldIndex src, FieldIndex dst, FieldIndex dport) {
      for (int i = 0; i < rules.length; i++) {
        Rule r = rules[i];
        addAddress(src, srcWild, r.src(), r.srcInv(), i);
        addAddress(dst, dstWild, r.dst(), r.dstInv(), i);
        addPorts(dport, r, i);
      }
    }

    private void addAddress(FieldIndex f, long[] wild, Cidr c, boolean inv, int i) {
      if (c == null || inv || c.family() == Family.IPV6 || c.prefix() < 0) {
        wild[i >>> 6] |= 1L << i;
      } else {
        f.key(c.prefix(), c.network().lo(), (word << 6) + i);
      }
    }

    /** Keys a rule on its destination port(s) when some match pins them and nothing stateful precedes it. */
    private void addPorts(FieldIndex dport, Rule r, int i) {
      int id = (word << 6) + i;
      for (Match m : r.matches()) {
        if (m.stateful()) {
          break;
        }
        if (m instanceof Match.Ports p && p.dport() != null && !p.dportInv() && p.dport().lo() == p.dport().hi()) {
          dport.key(0, p.dport().lo(), id);
          return;
        }
        if (m instanceof Match.Multiport mp && !mp.invert() && mp.which() == Match.Multiport.Which.DESTINATION
            && mp.ports().stream().allMatch(pr -> pr.lo() == pr.hi())) {
          for (PortRange pr : mp.ports()) {
            dport.key(0, pr.lo(), id);
          }
          return;
        }
      }
      portWild[i >>> 6] |= 1L << i;
    }
  }

  /** Rules (by table-wide number) keyed by (prefix length, masked value), as sparse sorted lists. */
  private static final class FieldIndex {
    private final IntListMap[] byLength = new IntListMap[33];
    private int[] lengths = new int[0];


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

  /** Per-thread scratch: the packet's keyed rules table-wide, and the current chain's candidates. */
  private static final class Scratch {
    final long[] src;
    final long[] dst;
    final long[] port;
    final long[] cand;
    /** Per jump depth, the candidates of the chain to return to (made on first use). */
    final long[][] saved;

    Scratch(int words, int allWords, int depths) {
      src = new long[allWords];
      dst = new long[allWords];
      port = new long[allWords];
      cand = new long[words];
      saved = new long[depths][];
    }
  }

  /** Marks, table-wide, the rules keyed by the packet's three values (once per evaluation). */
  private void mark(Packet p, Scratch s) {
    long srcV = p.src() != null && !p.src().isV6() ? p.src().lo() : -1;
    long dstV = p.dst() != null && !p.dst().isV6() ? p.dst().lo() : -1;
    long portV = !p.fragment() && p.dstPort() >= 0 ? p.dstPort() : -1;
    src.mark(srcV, true, s.src);
    dst.mark(dstV, true, s.dst);
    dport.mark(portV, false, s.port);
  }

  /** Undoes {@link #mark}: zeroing the words is cheaper than a second round of index lookups. */
  private void unmark(Scratch s) {
    Arrays.fill(s.src, 0, totalWords, 0L);
    Arrays.fill(s.dst, 0, totalWords, 0L);
    Arrays.fill(s.port, 0, totalWords, 0L);
  }

  /**
   * Fills {@code s.cand} with the rules of {@code cc} that can match the marked packet on all three
   * indexed fields: per field (rules keyed by the packet's value | rules that do not constrain it), ANDed.
   */
  private static void candidates(CompiledChain cc, Scratch s) {
    long[] ws = cc.srcWild;
    long[] wd = cc.dstWild;
    long[] wp = cc.portWild;
    long[] a = s.src;
    long[] b = s.dst;
    long[] c = s.port;
    long[] out = s.cand;
    int n = cc.words;
    int o = cc.word;
    for (int w = 0; w < n; w++) {
      out[w] = (ws[w] | a[o + w]) & (wd[w] | b[o + w]) & (wp[w] | c[o + w]);
    }
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
  public Outcome evaluate(String builtin, Packet p, ConnInfo ct, Attachments at, boolean count) {
    return evaluate(builtin, p, ct, at, count, false);
  }

  @Override
  public Outcome whatIf(String builtin, Packet p, ConnInfo ct, Attachments at) {
    return evaluate(builtin, p, ct, at, false, true);
  }

  private Outcome evaluate(String builtin, Packet p, ConnInfo ct, Attachments at, boolean count, boolean whatIf) {
    Integer start = index.get(builtin);
    if (start == null) {
      return Outcome.acceptedWithoutRules(builtin);
    }
    Scratch s = scratch.get();
    mark(p, s);
    try {
      return walk(start, p, ct, at, s, count, whatIf);
    } finally {
      unmark(s);
    }
  }

  private Outcome walk(int start, Packet p, ConnInfo ct, Attachments at, Scratch s, boolean count,
      boolean whatIf) {
    CompiledChain base = chains[start];
    Walk w = new Walk(userChains);
    int c = start;
    CompiledChain cc = base;
    candidates(cc, s);
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
      int m = r.evaluate(p, ct, at, whatIf);
      if (m == Rule.NO) {
        continue;
      }
      if (cc.perPacket[i - 1]) {
        w.tainted = true;
      }
      if (m != Rule.MATCH) {
        continue;
      }
      if (count) {
        counters.count(c, i - 1, p);
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
          save(s, w.depth, cc.words);
          w.push(c, i);
        }
        c = cc.jumpTo[i - 1];
        cc = chains[c];
        candidates(cc, s);
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
