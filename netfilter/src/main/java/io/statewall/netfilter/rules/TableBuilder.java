package io.statewall.netfilter.rules;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One table between {@code *name} and {@code COMMIT}: chains and rules as they are added, and the
 * checks the kernel makes when the table is committed (loops, hooks a match may run in).
 */
final class TableBuilder {
  /** Where a rule's jump token is, and its parts the kernel allows only in some hooks. */
  record Site(int line, Token jump, List<HookCheck> hooks) {}

  /**
   * A match or target the kernel allows only in {@code hooks} (TableName hook bits), checked at
   * commit against every built-in chain the rule's chain is reached from.
   */
  record HookCheck(Token at, int hooks, String what) {}

  final TableName name;
  private final String file;
  private final Map<String, List<Rule>> chains = new LinkedHashMap<>();
  private final Map<String, Target.Standard> policies = new HashMap<>();
  private final Map<Rule, Site> sites = new IdentityHashMap<>();

  TableBuilder(TableName name, String file) {
    this.name = name;
    this.file = file;
    for (String b : name.builtinChains()) {
      chains.put(b, new ArrayList<>());
      policies.put(b, Target.Standard.ACCEPT);
    }
  }

  boolean hasChain(String chain) {
    return chains.containsKey(chain);
  }

  void createChain(String chain) {
    chains.put(chain, new ArrayList<>());
  }

  void setPolicy(String chain, Target.Standard policy) {
    policies.put(chain, policy);
  }

  List<Rule> rules(String chain) {
    return chains.get(chain);
  }

  void site(Rule r, Site s) {
    sites.put(r, s);
  }

  /** Runs the kernel's commit checks and returns the finished table. */
  RuleTable commit() throws RuleSyntaxException {
    checkLoopsAndHooks();
    List<Chain> out = new ArrayList<>();
    for (String b : name.builtinChains()) {
      out.add(new Chain(b, policies.get(b), chains.get(b)));
    }
    chains.keySet().stream().filter(c -> !name.isBuiltin(c)).sorted()
        .forEach(c -> out.add(new Chain(c, null, chains.get(c))));
    return new RuleTable(name, out);
  }

  private static String jumpTarget(Rule r) {
    return r.target() instanceof Target.Jump j ? j.chain() : null;
  }

  /** Iterative DFS from each built-in chain, as mark_source_chains does: no recursion, no overflow. */
  private void checkLoopsAndHooks() throws RuleSyntaxException {
    Map<String, Integer> color = new HashMap<>();
    Map<String, Integer> reach = new HashMap<>();
    for (int bi = 0; bi < name.builtinChains().size(); bi++) {
      String b = name.builtinChains().get(bi);
      int bit = 1 << bi;
      Deque<Object[]> stack = new ArrayDeque<>();
      stack.push(new Object[] {b, 0});
      Map<String, Integer> onPath = new HashMap<>();
      onPath.put(b, 1);
      reach.merge(b, bit, (x, y) -> x | y);
      while (!stack.isEmpty()) {
        Object[] f = stack.peek();
        String c = (String) f[0];
        int i = (Integer) f[1];
        List<Rule> rs = chains.get(c);
        if (i >= rs.size()) {
          stack.pop();
          onPath.remove(c);
          color.put(c + "#" + bi, 2);
          continue;
        }
        f[1] = i + 1;
        Rule r = rs.get(i);
        String t = jumpTarget(r);
        if (t == null) {
          continue;
        }
        if (onPath.containsKey(t)) {
          Site s = sites.get(r);
          throw new RuleSyntaxException(file, r.line(), s.jump().column(), s.jump().text() + " " + t,
              "a jump that does not loop back to chain " + t + " (chain loop through " + c + ")");
        }
        reach.merge(t, bit, (x, y) -> x | y);
        if (color.getOrDefault(t + "#" + bi, 0) == 2) {
          continue;
        }
        onPath.put(t, 1);
        stack.push(new Object[] {t, 0});
      }
    }
    for (Map.Entry<String, List<Rule>> e : chains.entrySet()) {
      int from = 0;
      int bits = reach.getOrDefault(e.getKey(), 0);
      for (int bi = 0; bi < name.builtinChains().size(); bi++) {
        if ((bits & (1 << bi)) != 0) {
          from |= TableName.hook(name.builtinChains().get(bi));
        }
      }
      for (Rule r : e.getValue()) {
        Site s = sites.get(r);
        if (s == null) {
          continue;
        }
        for (HookCheck h : s.hooks()) {
          int bad = from & ~h.hooks();
          if (bad != 0) {
            String hook = name.builtinChains().stream().filter(b -> (TableName.hook(b) & bad) != 0).findFirst()
                .orElse("?");
            throw new RuleSyntaxException(file, r.line(), h.at().column(), h.at().text(),
                h.what() + " (chain " + e.getKey() + " is reached from " + hook + ")");
          }
        }
      }
    }
  }
}
