package io.statewall.mininet.ovs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.mininet.PortStats;
import org.junit.jupiter.api.Test;

class PortStatsParserTest {

  @Test
  void parsesEveryPortOfAnOvsDump() {
    String dump = """
        OFPST_PORT reply (OF1.3) (xid=0x2): 3 ports
          port LOCAL: rx pkts=1, bytes=90, drop=0, errs=0, frame=0, over=0, crc=0
                   tx pkts=1, bytes=42, drop=0, errs=0, coll=0
                   duration=0.127s
          port  1: rx pkts=3, bytes=250, drop=0, errs=0, frame=0, over=0, crc=0
                   tx pkts=4, bytes=320, drop=2, errs=0, coll=0
                   duration=0.128s
          port  "s1-eth2": rx pkts=?, bytes=?, drop=?, errs=?, frame=?, over=?, crc=?
                   tx pkts=5, bytes=410, drop=0, errs=1, coll=0
        """;

    assertThat(PortStatsParser.parse(dump)).containsExactly(
        new PortStats("LOCAL", 1, 90, 0, 0, 1, 42, 0, 0),
        new PortStats("1", 3, 250, 0, 0, 4, 320, 2, 0),
        new PortStats("s1-eth2", -1, -1, -1, -1, 5, 410, 0, 1));
  }

  @Test
  void aPortWithoutItsTxLineIsAnError() {
    assertThatThrownBy(() -> PortStatsParser.parse("  port  1: rx pkts=3, bytes=250, drop=0, errs=0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without a tx line");
  }
}
