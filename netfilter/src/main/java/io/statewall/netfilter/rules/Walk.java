package io.statewall.netfilter.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * The state of one chain walk shared by both evaluators: the jump stack (bounded like netfilter's,
 * whose stack is as deep as the table has user chains), the LOGs, the CT template and the offload taint.
 */
final class Walk {
  final int maxDepth;
  final int[] retChain;
  final int[] retIndex;
  int depth;
  List<LogRecord> logs;
  Target.Ct ct;
  boolean tainted;

  Walk(int userChains) {
    this.maxDepth = userChains + 1;
    this.retChain = new int[maxDepth];
    this.retIndex = new int[maxDepth];
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
