package io.statewall.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.VlanTags;
import io.statewall.topology.hosts.Sighting;
import org.junit.jupiter.api.Test;

/** Topology cannot depend on netfilter, so it keeps a copy of the TPID list: the two must agree. */
class SightingTpidAgreementTest {

  @Test
  void topologySkipsExactlyTheTagsThePacketParserSkips() {
    assertThat(Sighting.TPIDS).isEqualTo(VlanTags.TPIDS);
    for (int tpid : VlanTags.TPIDS) {
      assertThat(VlanTags.isTag(tpid)).as("isTag(0x%04x)", tpid).isTrue();
    }
    assertThat(VlanTags.isTag(0x0800)).isFalse();
    assertThat(VlanTags.isTag(0x8864)).isFalse();
  }
}
