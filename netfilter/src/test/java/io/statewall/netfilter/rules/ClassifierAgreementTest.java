package io.statewall.netfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.Packet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The compiled classifier and the linear interpreter agree on every packet of every random rule set. */
class ClassifierAgreementTest {

  @Property(tries = 400)
  void compiledAgreesWithLinear(@ForAll long seed) throws RuleSyntaxException {
    RandomRules gen = new RandomRules(seed);
    String text = gen.filterFile(12);
    RuleSet set = new RuleFileReader(() -> 0L).parse("random.rules", text, Family.IPV4);
    RuleTable table = set.table(TableName.FILTER);
    LinearInterpreter linear = new LinearInterpreter(table);
    CompiledTable compiled = new CompiledTable(table);
    for (int i = 0; i < 200; i++) {
      Packet p = gen.packet();
      ConnInfo ct = gen.conn(p);
      for (String chain : TableName.FILTER.builtinChains()) {
        Outcome a = linear.evaluate(chain, p, ct, Attachments.HOST);
        Outcome b = compiled.evaluate(chain, p, ct, Attachments.HOST);
        assertThat(b).as("chain %s packet %s ct %s%nlinear   %s%ncompiled %s%nrules:%n%s", chain, p, ct, a, b, text).isEqualTo(a);
      }
    }
  }
}
