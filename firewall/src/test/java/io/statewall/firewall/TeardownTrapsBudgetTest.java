package io.statewall.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.FlowModBudget;
import io.statewall.firewall.forwarding.FlowModLimits;
import io.statewall.firewall.forwarding.fakes.FakeAppContext;
import io.statewall.netfilter.packet.Packet;
import io.statewall.topology.Attachment;
import io.statewall.topology.fakes.FakeSwitch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** FIN/RST traps and the flow-mod budget: first call on the tokens, none to a switch whose table is full. */
class TeardownTrapsBudgetTest {
  private final AtomicLong now = new AtomicLong();
  private final FlowModBudget budget = new FlowModBudget(new FlowModLimits(10, 10, 0.5, 10), now::get);
  private final FakeAppContext ctx = new FakeAppContext();
  private final FakeSwitch s1 = FakeSwitch.of13(1, 1, 2);
  private final TeardownTraps traps = new TeardownTraps(ctx.switches(), 100, budget);
  private final ExactMatch match = ExactMatch.of(Packet.builder().addresses("10.0.0.4", "10.0.0.1")
      .srcMac(4).dstMac(1).tcp(40000, 80, Packet.TCP_ACK).build()).orElseThrow();

  TeardownTrapsBudgetTest() {
    ctx.connect(s1);
  }

  @Test
  void trapsTakeTheTokensThereAreAndNoMore() {
    for (int i = 0; i < 10; i++) {
      traps.install(Attachment.of(1, 1), match, ConnectionCookie.of(match));
    }
    assertThat(s1.flowAdds()).as("a burst of 10: three connections' three traps each").hasSize(9);
    assertThat(traps.sent()).isEqualTo(9);
    assertThat(budget.skippedConnections()).isEqualTo(7);
    assertThat(budget.admit(FlowModBudget.Kind.CONNECTION, s1.id(), 1)).as("nothing left for entries").isFalse();
  }

  @Test
  void aSwitchWhoseTableIsFullGetsNoTrapsForAWhile() {
    budget.tableFull(s1.id());
    traps.install(Attachment.of(1, 1), match, ConnectionCookie.of(match));
    assertThat(s1.flowAdds()).isEmpty();
    now.addAndGet(10_000_000_001L);
    traps.install(Attachment.of(1, 1), match, ConnectionCookie.of(match));
    assertThat(s1.flowAdds()).hasSize(3);
  }
}
