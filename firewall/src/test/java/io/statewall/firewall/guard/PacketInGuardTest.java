package io.statewall.firewall.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.app.ListenerResult;
import io.statewall.topology.fakes.FakeSwitch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFPortReason;
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
  void theSwitchWideLimitIsCheckedFirstAndMadeUpPortsKeepNoState() {
    PacketInGuard tight = new PacketInGuard(new PacketInGuard.Limits(100, 10, 1000, 50), now::get);
    int passed = 0;
    for (int port = 3; port < 1_000_003; port++) {
      passed += tight.packetIn(sw, from(port)) == ListenerResult.CONTINUE ? 1 : 0;
    }

    assertThat(passed).isEqualTo(50);
    assertThat(tight.portBuckets()).as("a million undeclared in_ports, no bucket each").isZero();
    assertThat(tight.dropped()).isEqualTo(1_000_000 - 50);
  }

  @Test
  void aDeclaredPortsBucketGoesWithThePortAndTheSwitch() {
    passed(1, 1);
    passed(2, 1);
    assertThat(guard.portBuckets()).isEqualTo(2);

    guard.portChanged(sw, sw.factory().buildPortStatus().setReason(OFPortReason.DELETE).setDesc(sw.desc(1, false))
        .build());
    assertThat(guard.portBuckets()).isEqualTo(1);
    guard.switchDisconnected(sw);
    assertThat(guard.portBuckets()).isZero();
  }

  @Test
  void tokensComeBackAtTheRate() {
    passed(1, 10);
    assertThat(passed(1, 1)).isZero();
    now.addAndGet(50_000_000); // 50 ms at 100/s: 5 tokens
    assertThat(passed(1, 10)).isEqualTo(5);
  }
}
