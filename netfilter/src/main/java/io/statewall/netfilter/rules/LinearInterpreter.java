package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Packet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference evaluator: every rule of every chain in order, exactly as ipt_do_table walks them.
 * Slow and obviously right; the compiled classifier is tested against it.
 */
public final class LinearInterpreter implements TableEvaluator {
  private final RuleTable table;
  private final List<Chain> chains;
  private final Map<String, Integer> index = new HashMap<>();
  private final int userChains;
  private final RuleCounters counters;

  public LinearInterpreter(RuleTable table) {
    this.table = table;
    this.chains = table.chains();
    for (int i = 0; i < chains.size(); i++) {
      index.put(chains.get(i).name(), i);
    }
    this.userChains = (int) chains.stream().filter(c -> !c.builtin()).count();
    this.counters = new RuleCounters(table);
  }

  public RuleTable table() {
    return table;
  }

  @Override
  public RuleCounters counters() {
    return counters;
  }

  @Override
  public Outcome evaluate(String builtin, Packet p, ConnInfo ct, Attachments at, boolean count) {
    return walk(builtin, p, ct, at, count, false);
  }

  @Override
  public Outcome whatIf(String builtin, Packet p, ConnInfo ct, Attachments at) {
    return walk(builtin, p, ct, at, false, true);
  }

  private Outcome walk(String builtin, Packet p, ConnInfo ct, Attachments at, boolean count, boolean whatIf) {
    Integer start = index.get(builtin);
    if (start == null) {
      return Outcome.acceptedWithoutRules(builtin);
    }
    Chain base = chains.get(start);
    Walk w = new Walk(userChains);
    int c = start;
    int i = 0;
    while (true) {
      List<Rule> rules = chains.get(c).rules();
      if (i >= rules.size()) {
        // falling off a user chain returns; off the built-in chain the policy decides
        if (w.depth == 0) {
          return w.finish(verdictOf(base.policy()), null, base.name(), null);
        }
        w.depth--;
        c = w.retChain[w.depth];
        i = w.retIndex[w.depth];
        continue;
      }
      Rule r = rules.get(i++);
      int m = r.evaluate(p, ct, at, whatIf);
      if (m == Rule.NO) {
        continue;
      }
      if (r.perPacket()) {
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
      if (t instanceof Target.Standard s) {
        if (s == Target.Standard.RETURN) {
          if (w.depth == 0) {
            return w.finish(verdictOf(base.policy()), null, base.name(), null);
          }
          w.depth--;
          c = w.retChain[w.depth];
          i = w.retIndex[w.depth];
          continue;
        }
        return w.finish(verdictOf(s), r, r.chain(), null);
      }
      if (t instanceof Target.Jump j) {
        if (!j.isGoto()) {
          if (w.depth >= w.maxDepth) {
            // netfilter drops when its jump stack is exhausted
            return w.finish(Verdict.DROP, r, r.chain(), null);
          }
          w.push(c, i);
        }
        c = index.get(j.chain());
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

  static Verdict verdictOf(Target.Standard s) {
    return s == Target.Standard.DROP ? Verdict.DROP : Verdict.ACCEPT;
  }
}
