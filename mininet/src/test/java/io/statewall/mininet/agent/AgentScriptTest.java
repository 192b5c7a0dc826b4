package io.statewall.mininet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AgentScriptTest {

  @Test
  void findsThePortLineAmongOtherOutput() {
    assertThat(AgentScript.portFrom("*** Error setting resource limits\nSTATEWALL-AGENT-PORT 41817\n"))
        .isEqualTo(41817);
    assertThat(AgentScript.portFrom("still starting")).isEqualTo(-1);
  }

  @Test
  void imageTagIsAStableHashOfDockerfileAndAgent() {
    assertThat(HarnessImage.tag()).matches("statewall-mininet-harness:[0-9a-f]{16}")
        .isEqualTo(HarnessImage.tag());
  }
}
