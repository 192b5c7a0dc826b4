package io.statewall.firewall.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.app.ListenerResult;
import io.statewall.topology.fakes.FakeSwitch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;

class PacketInGuardTest {
  private final AtomicLong now = new AtomicLong();
  private final FakeSwitch sw = FakeSwitch.of13(1, 1, 2);
  private final PacketInGuard guard = new PacketInGuard(new PacketInGuard.Limits(100, 10, 1000, 1000), now::get);

  private OFPacketIn from(int port) {
    return sw.factory().buildPacketIn().setBufferId(OFBufferId.NO_BUFFER).setReason(OFPacketInReason.NO_MATCH)
        .setMatch(sw.factory().buildMatch().setExact(MatchField.IN_PORT, OFPort.of(port)).build())
        .setData(new byte[60]).build();
  }

  private int passed(int port, int count) {
    int n = 0;
    for (int i = 0; i < count; i++) {
      n += guard.packetIn(sw, from(port)) == ListenerResult.CONTINUE ? 1 : 0;
    }
    return n;
  }

  @Test
  void aNoisyPortIsCutToItsBurstAndTheOthersStillGetThrough() {
    assertThat(passed(1, 1_000)).isEqualTo(10);
    assertThat(passed(2, 5)).isEqualTo(5);
    assertThat(guard.dropped()).isEqualTo(990);
  }

  @Test
  void tokensComeBackAtTheRate() {
    passed(1, 10);
    assertThat(passed(1, 1)).isZero();
    now.addAndGet(50_000_000); // 50 ms at 100/s: 5 tokens
    assertThat(passed(1, 10)).isEqualTo(5);
  }
}
