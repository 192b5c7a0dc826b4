package io.statewall.firewall.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtLookup;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.TrackOptions;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.types.U64;

/** The offload table's one listener (cluster replication) hears each connection's cookie when it is recorded. */
class OffloadTableListenerTest {

  @Test
  void theListenerHearsEveryRecordWithItsCookieAndNothingOnceCleared() {
    ShardedConnTracker ct = new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of());
    Packet syn = new PacketParser().parse(FrameBuilder.ip("10.0.0.1", "10.0.0.2").tcp(40000, 80, Packet.TCP_SYN)
        .build());
    CtLookup l = ct.classify(syn, TrackOptions.NONE);
    ct.confirm(l);
    CtEntry e = l.entry();
    OffloadTable table = new OffloadTable();
    List<String> heard = new ArrayList<>();
    table.setListener((entry, cookie) -> heard.add(entry + " " + Long.toHexString(cookie)));

    table.record(e, U64.of(0x5357_0000_0000_0042L));
    table.setListener(null);
    table.record(e, U64.of(0x5357_0000_0000_0043L));

    assertThat(heard).containsExactly(e + " 5357000000000042");
    assertThat(table.cookie(e)).contains(U64.of(0x5357_0000_0000_0043L));
  }
}
