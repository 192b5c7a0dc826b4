package io.statewall.firewall.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.fakes.TestFrames;
import io.statewall.firewall.forwarding.fakes.TestNet;
import io.statewall.netfilter.packet.IpAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFFlowModFailedCode;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.IPv4Address;

/**
 * A flood of SYNs from distinct spoofed sources, all refused with drop entries, on h1 (s1/3) -> h3
 * (s3/3) over s1 - s2 - s3: the drop entries stay within the switch's flow-mod budget and the
 * entries of a legitimate connection still get in.
 */
class SpoofedFloodTest {
  private static final IPv4Address H1 = TestFrames.ip(1);
  private final AtomicLong now = new AtomicLong();
  /** 100 flow-mods a second, 100 at once, half of them for drop entries. */
  private final FlowModBudget budget = new FlowModBudget(new FlowModLimits(100, 100, 0.5, 10), now::get);
  private static final IpAddress H1_ADDRESS = IpAddress.v4(H1.getInt());
  /** IPv4 from or to h1's own address is accepted both ways; forged sources are refused with drop entries. */
  private final ConnectionDecider decider = (p, at) -> p.src().isV6() || p.src().equals(H1_ADDRESS)
      || p.dst().equals(H1_ADDRESS) ? Decision.ACCEPT_BOTH_WAYS : new Decision.Drop(5);
  private final TestNet net = TestNet.chain(new TestNet(decider, new ForwardingSettings(60, 100), budget), 3, false,
      OFVersion.OF_13);

  SpoofedFloodTest() {
    net.attach(1, 1, 3);
    net.attach(3, 3, 3);
  }

  private void flood(int first, int count) {
    for (int i = first; i < first + count; i++) {
      net.send(1, 3, TestFrames.spoofedSyn(1, 3, IPv4Address.of(0x0B00_0000 + i), 1024 + i % 60000, 80));
    }
  }

  private long dropEntries(long sw) {
    return net.sw(sw).flowAdds().stream().filter(a -> a.getInstructions().isEmpty()).count();
  }

  @Test
  void aSpoofedFloodGetsNoMoreDropEntriesThanTheBudgetAndALegitimateConnectionStillGetsIn() {
    flood(0, 10_000);
    assertThat(dropEntries(1)).as("half the burst").isEqualTo(50);
    assertThat(budget.skippedDrops()).isEqualTo(9_950);
    assertThat(net.sw(1).written(OFPacketOut.class)).as("nothing refused was forwarded").isEmpty();

    net.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));
    for (long sw = 1; sw <= 3; sw++) {
      assertThat(net.sw(sw).flowAdds().stream().filter(a -> !a.getInstructions().isEmpty()).count())
          .as("both directions of the legitimate connection on s" + sw).isEqualTo(2);
    }
    assertThat(net.forwarding.installed().size()).isEqualTo(1);
  }

  @Test
  void overTimeTheFloodsDropEntriesGrowAtTheRateNotWithThePackets() {
    for (int second = 0; second < 5; second++) {
      flood(second * 10_000, 10_000);
      now.addAndGet(1_000_000_000);
    }
    // the first half burst, then 100 a second
    assertThat(dropEntries(1)).isBetween(50L, 50L + 5 * 100);
    assertThat(net.forwarding.flowModsSent()).isEqualTo(dropEntries(1));
  }

  @Test
  void whenTheBudgetIsSpentALegitimateConnectionIsStillDeliveredAndGetsItsEntriesLater() {
    budget.charge(org.projectfloodlight.openflow.types.DatapathId.of(2), 1_000);
    net.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));
    assertThat(net.sw(1).flowAdds()).as("all or none along the path").isEmpty();
    assertThat(net.sw(3).written(OFPacketOut.class)).as("the packet is delivered all the same").hasSize(1);
    assertThat(budget.skippedConnections()).isEqualTo(1);
    assertThat(net.forwarding.installed().size()).isZero();

    now.addAndGet(20_000_000_000L);
    net.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));
    assertThat(net.sw(1).flowAdds()).hasSize(2);
  }

  @Test
  void aSwitchWithAFullTableGetsNoDropEntriesAndConnectionEntriesOnlyAsAProbe() {
    var s1 = net.sw(1);
    net.ctx.dispatch(s1, s1.factory().errorMsgs().buildFlowModFailedErrorMsg()
        .setCode(OFFlowModFailedCode.TABLE_FULL).build());
    flood(0, 10);
    assertThat(dropEntries(1)).isZero();
    assertThat(budget.skippedDrops()).isEqualTo(10);
    assertThat(budget.tableFullErrors()).isEqualTo(1);
    net.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));
    assertThat(s1.flowAdds()).extracting(OFFlowAdd::getPriority).containsExactly(100, 100);
    net.send(1, 3, TestFrames.tcp(1, 3, 40001, 80));
    assertThat(s1.flowAdds()).as("no second connection within the second").hasSize(2);
    assertThat(net.sw(3).written(OFPacketOut.class)).as("both delivered by the controller").hasSize(2);
  }
}
