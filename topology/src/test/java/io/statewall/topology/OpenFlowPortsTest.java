package io.statewall.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.topology.fakes.FakeSwitch;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;

class OpenFlowPortsTest {

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = OFVersion.class, names = {"OF_10", "OF_13", "OF_14", "OF_15"})
  void packetInPortAndPacketOutWorkInEveryVersion(OFVersion v) {
    FakeSwitch sw = new FakeSwitch(1, v, 7);
    assertThat(OpenFlowPorts.inPort(sw.packetIn(7, new byte[60]))).isEqualTo(OFPort.of(7));
    OFPacketOut po = OpenFlowPorts.packetOut(sw.factory(), new byte[60], List.of(OFPort.of(2), OFPort.of(3)));
    assertThat(po.getActions()).hasSize(2);
    OFPort in = v == OFVersion.OF_15 ? po.getMatch().get(MatchField.IN_PORT) : po.getInPort();
    assertThat(in).isEqualTo(OFPort.CONTROLLER);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = OFVersion.class, names = {"OF_10", "OF_13"})
  void portStateAndReservedPorts(OFVersion v) {
    FakeSwitch sw = new FakeSwitch(1, v, 1);
    assertThat(OpenFlowPorts.isUp(sw.desc(1, true))).isTrue();
    assertThat(OpenFlowPorts.isUp(sw.desc(1, false))).isFalse();
    assertThat(OpenFlowPorts.isPhysical(OFPort.of(1))).isTrue();
    assertThat(OpenFlowPorts.isPhysical(OFPort.LOCAL)).isFalse();
    assertThat(OpenFlowPorts.isPhysical(OFPort.CONTROLLER)).isFalse();
    assertThat(OpenFlowPorts.isGroup(MacAddress.BROADCAST)).isTrue();
    assertThat(OpenFlowPorts.isGroup(MacAddress.of("33:33:00:00:00:01"))).isTrue();
    assertThat(OpenFlowPorts.isGroup(MacAddress.of("02:00:00:00:00:01"))).isFalse();
  }
}
