package io.statewall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFVersion;

/** The cbench-style switch: what it sends, and when, without a controller behind it. */
class CbenchSwitchTest {
  private static final OFFactory OF13 = OFFactories.getFactory(OFVersion.OF_13);

  private static List<OFMessage> outbound(EmbeddedChannel ch) {
    List<OFMessage> out = new ArrayList<>();
    Object m;
    while ((m = ch.readOutbound()) != null) {
      out.add((OFMessage) m);
    }
    return out;
  }

  @Test
  void sendsItsWindowOfPacketInsStraightAfterTheFeaturesReplyBeforeAnyBarrier() {
    LongAdder sent = new LongAdder();
    LongAdder answered = new LongAdder();
    CbenchConfig config = new CbenchConfig(1, 4, 100, 8, Duration.ZERO, Duration.ofSeconds(1), OFVersion.OF_13);
    EmbeddedChannel ch = new EmbeddedChannel(new CbenchSwitch(1, config, sent, answered, new LongAdder()));
    assertThat(outbound(ch)).singleElement().matches(m -> m.getType().name().equals("HELLO"));

    ch.writeInbound(OF13.buildHello().setXid(1).build());
    ch.writeInbound(OF13.buildFeaturesRequest().setXid(2).build());

    List<OFMessage> out = outbound(ch);
    assertThat(out.get(0)).isInstanceOf(OFFeaturesReply.class);
    List<OFPacketIn> packetIns = out.stream().skip(1).map(OFPacketIn.class::cast).toList();
    assertThat(packetIns).hasSize(8);
    assertThat(sent.sum()).isEqualTo(8);
    Set<String> sources = new HashSet<>();
    for (OFPacketIn pi : packetIns) {
      byte[] f = pi.getData();
      assertThat(((f[12] & 0xFF) << 8) | (f[13] & 0xFF)).as("IPv4").isEqualTo(0x0800);
      assertThat(f[14 + 9] & 0xFF).as("a protocol without ports").isEqualTo(CbenchSwitch.PROTOCOL);
      sources.add(HexFormat.of().formatHex(f, 6, 12));
    }
    assertThat(sources).as("a source MAC per packet-in while the pool lasts").hasSize(8);
  }

  @Test
  void eachAnswerLetsOneMorePacketInOutAndLldpIsNoAnswer() {
    LongAdder sent = new LongAdder();
    LongAdder answered = new LongAdder();
    CbenchConfig config = new CbenchConfig(1, 4, 100, 2, Duration.ZERO, Duration.ofSeconds(1), OFVersion.OF_13);
    EmbeddedChannel ch = new EmbeddedChannel(new CbenchSwitch(1, config, sent, answered, new LongAdder()));
    ch.writeInbound(OF13.buildHello().setXid(1).build());
    ch.writeInbound(OF13.buildFeaturesRequest().setXid(2).build());
    List<OFPacketIn> first = outbound(ch).stream().filter(OFPacketIn.class::isInstance)
        .map(OFPacketIn.class::cast).toList();
    assertThat(first).hasSize(2);

    byte[] lldp = new byte[60];
    lldp[12] = (byte) 0x88;
    lldp[13] = (byte) 0xCC;
    ch.writeInbound(new HotMessageReader.PacketOutSeen(lldp, new int[] {1}, 0));
    assertThat(outbound(ch)).as("an LLDP probe answers nothing").isEmpty();

    ch.writeInbound(new HotMessageReader.PacketOutSeen(first.get(0).getData(), new int[] {2}, 1));
    assertThat(outbound(ch)).singleElement().isInstanceOf(OFPacketIn.class);
    assertThat(answered.sum()).isEqualTo(1);
    assertThat(sent.sum()).isEqualTo(3);
  }

  @Test
  void aDestinationIsNeverAtTheSourcesOwnPortWhenTheSwitchHasAnother() {
    for (int ports : new int[] {2, 3, 4, 7}) {
      for (int macs : new int[] {ports, 10, 1_000, 1_001}) {
        for (int src = 0; src < macs; src++) {
          for (int dst = 0; dst < Math.min(macs, 20); dst++) {
            int d = CbenchSwitch.destination(src, dst, macs, ports);
            assertThat(d % ports).as("%d ports, %d hosts, %d to %d", ports, macs, src, dst).isNotEqualTo(src % ports);
            assertThat(d).isBetween(0, macs - 1);
          }
        }
      }
    }
    assertThat(CbenchSwitch.destination(3, 7, 10, 1)).as("one port: no other").isEqualTo(7);
  }
}
