package io.statewall.it.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.mininet.ExecResult;
import io.statewall.mininet.Host;
import io.statewall.mininet.Topology;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyEvent;
import io.statewall.topology.discovery.LldpCodec;
import io.statewall.topology.discovery.LldpSigner;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.types.MacAddress;

/** Three switches in a chain, one host on each; h1 also tries to fake links with LLDP. */
class LinearForwardingTest extends RealSwitchForwardingTest {

  @Override
  Topology topology() {
    return Topology.linear(3);
  }

  @Override
  List<List<String>> entryCheckPairs() {
    // h1-h2 leaves s3 alone
    return List.of(List.of("h1", "h2"), List.of("h3", "h1"));
  }

  @Test
  @Order(10)
  void lldpForgedOrTamperedWithByAHostChangesNoLink() {
    Host h1 = n.host("h1");
    Attachment h1Port = n.attachment("h1");
    ExecResult ping = h1.exec("ping -c 1 -W 2 " + n.host("h3").ip(), Duration.ofSeconds(10));
    assertThat(ping.succeeded()).as("h1 known and reaching h3 before: %s", ping).isTrue();

    // signed with another key, fresh and well formed: claims s2 port 3 (which would re-cable the
    // s2-s3 link away) and h3's port s3/1 (which would make h1's port a link end)
    LldpCodec attacker = new LldpCodec(LldpSigner.withRandomKey(), 3_000);
    MacAddress mac = MacAddress.of(h1.mac());
    long now = System.currentTimeMillis();
    byte[] otherKeyS2 = attacker.encode(Attachment.of(2, 3), mac, now, 1);
    byte[] otherKeyS3 = attacker.encode(Attachment.of(3, 1), mac, now, 2);
    List<byte[]> frames = List.of(otherKeyS2, otherKeyS3, RawFrames.foreignLldp(h1),
        Arrays.copyOf(otherKeyS2, 40));

    long t0 = System.nanoTime();
    RawFrames.sendThenTamperWithAGenuineProbe(h1, frames);
    int expected = frames.size() + RawFrames.TAMPERED;
    Predicate<Recorder.PacketIn> lldpFromH1 = p -> p.atNanos() >= t0 && p.at().equals(h1Port)
        && p.frame().length >= 14 && (p.frame()[12] & 0xFF) == 0x88 && (p.frame()[13] & 0xFF) == 0xcc;
    Await.until(expected + " LLDP frames from h1 at the controller", Duration.ofSeconds(10),
        () -> n.recorder().packetIns(lldpFromH1).size() >= expected);

    assertThat(n.service().links()).as("the link set is the cabling still")
        .isEqualTo(n.wiring().links());
    assertThat(n.recorder().eventsSince(t0)).as("no link came or went")
        .noneMatch(e -> e.event() instanceof TopologyEvent.LinkUp
            || e.event() instanceof TopologyEvent.LinkDown);
    assertThat(n.service().isInterSwitchPort(h1Port)).as("h1's port still faces a host").isFalse();
    assertThat(n.service().host(mac)).as("h1 still known at its port")
        .hasValueSatisfying(h -> assertThat(h.attachment()).isEqualTo(h1Port));
    ExecResult after = h1.exec("ping -c 1 -W 2 " + n.host("h3").ip(), Duration.ofSeconds(10));
    assertThat(after.succeeded()).as("h1 reaches h3 after: %s", after).isTrue();
  }
}
