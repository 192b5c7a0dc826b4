package io.statewall.firewall.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.fakes.FakeAppContext;
import io.statewall.netfilter.packet.Packet;
import io.statewall.topology.fakes.FakeSwitch;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.types.OFPort;

/** Teardown traps and the flow-mod budget: first call on the tokens, none to a switch whose table is full. */
class TeardownTrapsBudgetTest {
  private final AtomicLong now = new AtomicLong();
  private final FlowModBudget budget = new FlowModBudget(new FlowModLimits(10, 10, 0.5, 10), now::get);
  private final FakeAppContext ctx = new FakeAppContext();
  private final FakeSwitch s1 = FakeSwitch.of13(1, 1, 2);
  private final FlowProgrammer flows = new FlowProgrammer(ctx.switches(), ForwardingSettings.DEFAULTS, budget);
  private final ExactMatch match = ExactMatch.of(Packet.builder().addresses("10.0.0.4", "10.0.0.1")
      .srcMac(4).dstMac(1).tcp(40000, 80, Packet.TCP_ACK).build()).orElseThrow();

  TeardownTrapsBudgetTest() {
    ctx.connect(s1);
  }

  /** The traps of one connection entering s1 at port 1, written as the executor writes them. */
  private void install() {
    List<OFMessage> traps = new TeardownTraps(100).traps(s1.factory(), OFPort.of(1), match, ConnectionCookie.of(match));
    flows.writeIfAdmitted(Map.of(s1.id(), traps), Map.of());
  }

  @Test
  void trapsTakeTheTokensThereAreAndNoMore() {
    for (int i = 0; i < 12; i++) {
      install();
    }
    assertThat(s1.flowAdds()).as("a burst of 10: ten connections' one trap each").hasSize(10);
    assertThat(flows.sent(FlowProgrammer.Purpose.TRAP)).isEqualTo(10);
    assertThat(budget.skippedConnections()).isEqualTo(2);
    assertThat(budget.admit(FlowModBudget.Kind.CONNECTION, s1.id(), 1)).as("nothing left for entries").isFalse();
  }

  @Test
  void aSwitchWhoseTableIsFullGetsNoTrapsForAWhile() {
    budget.tableFull(s1.id());
    install();
    assertThat(s1.flowAdds()).isEmpty();
    now.addAndGet(10_000_000_001L);
    install();
    assertThat(s1.flowAdds()).hasSize(1);
  }
}
