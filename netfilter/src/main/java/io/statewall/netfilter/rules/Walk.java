package io.statewall.netfilter.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The state of one chain walk shared by both evaluators: the jump stack (bounded like netfilter's,
 * whose stack is as deep as the table has user chains), the LOGs, the CT template and the offload taint.
 */
final class Walk {
  /** Arrays a walk starts with: most walks jump a level or two, however many user chains there are. */
  private static final int INITIAL_DEPTH = 4;

  final int maxDepth;
  /** Where each level's jump returns to (read after {@code depth--}); grown by {@link #push} up to maxDepth. */
  int[] retChain;
  int[] retIndex;
  int depth;
  List<LogRecord> logs;
  Target.Ct ct;
  boolean tainted;

  Walk(int userChains) {
    this.maxDepth = userChains + 1;
    // sized for the deepest possible walk, the two arrays were most of what a rule walk allocated
    // (a policy of 1,000 rules in 60 chains: 500 bytes for every walk of every packet)
    int n = Math.min(maxDepth, INITIAL_DEPTH);
    this.retChain = new int[n];
    this.retIndex = new int[n];
  }

  /** Records a jump's return point at {@code depth} and goes one level down; the caller checks maxDepth. */
  void push(int chain, int index) {
    if (depth == retChain.length) {
      int n = Math.min(maxDepth, retChain.length * 2);
      retChain = Arrays.copyOf(retChain, n);
      retIndex = Arrays.copyOf(retIndex, n);
    }
    retChain[depth] = chain;
    retIndex[depth] = index;
    depth++;
  }

  void log(Target.Log l, Rule r) {
    if (logs == null) {
      logs = new ArrayList<>(2);
    }
    logs.add(new LogRecord(l.prefix(), l.level(), r));
  }

  List<LogRecord> logs() {
    return logs == null ? List.of() : logs;
  }

  Outcome finish(Verdict v, Rule r, String chain, String rejectWith) {
    return new Outcome(v, r, chain, rejectWith, logs(), ct, !tainted);
  }
}
