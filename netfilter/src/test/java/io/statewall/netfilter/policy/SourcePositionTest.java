package io.statewall.netfilter.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.rules.RuleSyntaxException;
import io.statewall.netfilter.rules.SourcePosition;
import org.junit.jupiter.api.Test;

class SourcePositionTest {

  @Test
  void printsFileLineColumnLeavingOutWhatIsUnknown() {
    assertThat(new SourcePosition("a.rules", 3, 7)).hasToString("a.rules:3:7");
    assertThat(new SourcePosition("a.rules", 3, 0)).hasToString("a.rules:3");
    assertThat(new SourcePosition("p.yaml", 0, 0)).hasToString("p.yaml");
  }

  @Test
  void aRuleErrorKeepsItsPositionWhenReportedAsThePolicys() {
    RuleSyntaxException rule = new RuleSyntaxException("h.rules", 4, 12, "--dportt", "an option of -m tcp");
    PolicyException policy = new PolicyException(rule);

    assertThat(rule.getMessage()).isEqualTo("h.rules:4:12: at '--dportt': an option of -m tcp");
    assertThat(policy.position()).isEqualTo(rule.position()).isEqualTo(new SourcePosition("h.rules", 4, 12));
    assertThat(policy.getMessage()).isEqualTo(rule.getMessage());
  }

  @Test
  void bothErrorsStartWithTheSameFormatter() {
    RuleSyntaxException endOfLine = new RuleSyntaxException("h.rules", 2, 30, "", "a value for --dport");
    PolicyException policy = new PolicyException("p.yaml", 5, 3, "rulez", "a key of a host");
    PolicyException whole = new PolicyException("p.yaml", 0, 0, null, "no such file");

    assertThat(endOfLine.getMessage()).isEqualTo("h.rules:2:30: at end of line: a value for --dport");
    assertThat(policy.getMessage()).isEqualTo("p.yaml:5:3: at 'rulez': a key of a host")
        .startsWith(policy.position() + ": ");
    assertThat(whole.getMessage()).isEqualTo("p.yaml: no such file");
  }
}
