package io.statewall.firewall.forwarding;

import static io.statewall.firewall.forwarding.FlowEntriesTest.entryFrom;
import static io.statewall.firewall.forwarding.FlowEntriesTest.outPort;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.topology.fakes.FakeSwitch;
import io.statewall.firewall.forwarding.fakes.TestFrames;
import io.statewall.firewall.forwarding.fakes.TestNet;
import io.statewall.topology.Attachment;
import io.statewall.topology.Link;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFFlowRemoved;
import org.projectfloodlight.openflow.protocol.OFFlowRemovedReason;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.U64;

/** Ring s1..s4 (s_i/1 to s_i+1/2), h1 on s1/3, h3 on s3/3; h1 -> h3 first goes by s2. */
class RerouteTest {

  private static final Link S2_S3 = Link.between(Attachment.of(2, 1), Attachment.of(3, 2));
  private static final Link S1_S4 = Link.between(Attachment.of(1, 2), Attachment.of(4, 1));
  private static final Link S4_S3 = Link.between(Attachment.of(4, 2), Attachment.of(3, 1));

  private TestNet ringWithConnection() {
    TestNet net = TestNet.chain(new OpenPolicy(), ForwardingSettings.DEFAULTS, 4, true, OFVersion.OF_13);
    net.attach(1, 1, 3);
    net.attach(3, 3, 3);
    net.send(1, 3, TestFrames.tcp(1, 3, 40000, 80));
    assertThat(net.sw(2).flowAdds()).as("first path is by s2").hasSize(2);
    assertThat(net.sw(4).flowAdds()).isEmpty();
    net.clearWrites();
    return net;
  }

  private static List<Integer> deletedInPorts(FakeSwitch sw) {
    return sw.deletes().stream()
        .map(d -> d.getMatch().get(MatchField.IN_PORT).getPortNumber()).sorted().toList();
  }

  @Test
  void connectionsOnAFailedLinkAreMovedToTheNewPath() {
    TestNet net = ringWithConnection();
    U64 cookie = net.forwarding.installed().using(S2_S3).get(0).cookie();

    net.portDown(2, 1); // the s2 - s3 cable fails

    // new entries along s1 -> s4 -> s3, both ways
    assertThat(outPort(entryFrom(net.sw(1), 3))).isEqualTo(2);
    assertThat(outPort(entryFrom(net.sw(1), 2))).isEqualTo(3);
    assertThat(outPort(entryFrom(net.sw(4), 1))).isEqualTo(2);
    assertThat(outPort(entryFrom(net.sw(4), 2))).isEqualTo(1);
    assertThat(outPort(entryFrom(net.sw(3), 1))).isEqualTo(3);
    assertThat(outPort(entryFrom(net.sw(3), 3))).isEqualTo(1);
    assertThat(net.sw(4).flowAdds()).extracting(OFFlowAdd::getCookie).containsOnly(cookie);
    // entries that would never match again are deleted; those replaced in place are not
    assertThat(deletedInPorts(net.sw(2))).containsExactly(1, 2);
    assertThat(deletedInPorts(net.sw(1))).containsExactly(1);
    assertThat(deletedInPorts(net.sw(3))).containsExactly(2);
    assertThat(net.sw(2).flowAdds()).isEmpty();
    // the index follows the connection to its new links
    assertThat(net.forwarding.installed().using(S2_S3)).isEmpty();
    assertThat(net.forwarding.installed().using(S1_S4)).extracting(InstalledConnection::cookie)
        .containsExactly(cookie);
    assertThat(net.forwarding.installed().using(S4_S3)).hasSize(1);
  }

  @Test
  void connectionWithNoPathLeftLosesItsEntries() {
    TestNet net = TestNet.chain(new OpenPolicy(), ForwardingSettings.DEFAULTS, 2, false, OFVersion.OF_13);
    net.attach(1, 1, 3);
    net.attach(2, 2, 3);
    net.send(1, 3, TestFrames.udp(1, 2, 1000, 53));
    net.clearWrites();
    net.portDown(1, 1);
    assertThat(deletedInPorts(net.sw(1))).containsExactly(1, 3);
    assertThat(net.sw(1).flowAdds()).isEmpty();
    assertThat(net.forwarding.installed().size()).isZero();
  }

  @Test
  void connectionsOffTheFailedLinkAreLeftAlone() {
    TestNet net = ringWithConnection();
    net.portDown(4, 2); // s4 - s3: not on the path
    for (long s = 1; s <= 4; s++) {
      assertThat(net.sw(s).flowAdds()).isEmpty();
      assertThat(net.sw(s).deletes()).isEmpty();
    }
    assertThat(net.forwarding.installed().size()).isOne();
  }

  @Test
  void movedHostGetsItsConnectionsMovedWithIt() {
    TestNet net = ringWithConnection();
    net.send(2, 3, TestFrames.udp(3, 1, 7, 7)); // h3 now speaks from s2/3
    // h1 -> h3 now ends at s2: s2 forwards in 2 -> out 3, and the s3 entries go
    assertThat(outPort(entryFrom(net.sw(2), 2))).isEqualTo(3);
    assertThat(outPort(entryFrom(net.sw(2), 3))).isEqualTo(2);
    assertThat(deletedInPorts(net.sw(3))).containsExactly(2, 3);
    assertThat(net.forwarding.installed().using(S2_S3)).isEmpty();
  }

  @Test
  void connectionIsForgottenWhenAllItsEntriesTimedOut() {
    TestNet net = ringWithConnection();
    InstalledConnection c = net.forwarding.installed().using(S2_S3).get(0);
    assertThat(c.entryCount()).isEqualTo(6);
    FakeSwitch s1 = net.sw(1);
    OFFlowRemoved deleted = s1.factory().buildFlowRemoved().setCookie(c.cookie())
        .setReason(OFFlowRemovedReason.DELETE).build();
    OFFlowRemoved idle = s1.factory().buildFlowRemoved().setCookie(c.cookie())
        .setReason(OFFlowRemovedReason.IDLE_TIMEOUT).build();
    for (int i = 0; i < 6; i++) {
      net.ctx.dispatch(s1, deleted); // deletes are our own doing: they say nothing of traffic
    }
    for (int i = 0; i < 5; i++) {
      net.ctx.dispatch(s1, idle);
    }
    assertThat(net.forwarding.installed().size()).isOne();
    net.ctx.dispatch(s1, idle);
    assertThat(net.forwarding.installed().size()).isZero();
    net.portDown(2, 1);
    assertThat(net.sw(4).flowAdds()).as("an expired connection is not re-installed").isEmpty();
  }

  @Test
  void aSwitchThatDisconnectsWithNoOtherPathLeavesTheEntriesOfItsConnectionsInPlace() {
    TestNet net = TestNet.chain(new OpenPolicy(), ForwardingSettings.DEFAULTS, 2, false, OFVersion.OF_13);
    net.attach(1, 1, 3);
    net.attach(2, 2, 3);
    net.send(1, 3, TestFrames.udp(1, 2, 1000, 53));
    net.clearWrites();

    net.ctx.disconnect(net.sw(2)); // its controller connection, not its cables: fail-secure, it forwards on

    assertThat(net.sw(1).flowDeletes()).isEmpty();
    assertThat(net.forwarding.installed().size()).as("still there for the switch's return").isOne();
  }

  @Test
  void aSwitchThatDisconnectsOnARingStillHasItsConnectionsMovedAround() {
    TestNet net = ringWithConnection();

    net.ctx.disconnect(net.sw(2));

    assertThat(outPort(entryFrom(net.sw(1), 3))).as("by s4 now").isEqualTo(2);
    assertThat(net.forwarding.installed().using(S1_S4)).hasSize(1);
  }
}
