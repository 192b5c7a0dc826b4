package io.statewall.firewall;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtLookup;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.TrackOptions;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.InstalledConnection;
import io.statewall.firewall.forwarding.InstalledConnections;
import io.statewall.firewall.forwarding.OffloadCounters;
import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.topology.Attachment;
import io.statewall.topology.Hop;
import io.statewall.topology.Link;
import io.statewall.topology.Path;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologySettings;
import io.statewall.topology.fakes.FakeSwitch;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.types.U64;
import org.openjdk.jol.info.GraphLayout;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * Bytes per offloaded connection: conntrack's entry and the offload table's record, built as the packet path builds them (a new match, ingress attachment and path per
 * connection; 64 hosts on each of two switches, one link between them). JOL's graph walk of the
 * two structures, divided by the count.
 * Run: {@code java -cp ... io.statewall.firewall.OffloadFootprint [count]}.
 */
public final class OffloadFootprint {
  private OffloadFootprint() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    ShardedConnTracker ct = new ShardedConnTracker(CtConfig.defaults().withMaxEntries(n * 2),
        InstantSource.system(), List.of());
    OffloadTable offloads = new OffloadTable();
    InstalledConnections installed = offloads.installed();
    DatapathId s1 = DatapathId.of(1);
    DatapathId s2 = DatapathId.of(2);
    Link link = new Link(new Attachment(s1, OFPort.of(100)), new Attachment(s2, OFPort.of(100)));
    for (int i = 0; i < n; i++) {
      int client = i & 63;
      int server = 64 + ((i >>> 6) & 63);
      int cport = 1024 + (i >>> 12);
      Packet syn = tcp(client, server, cport, 80, Packet.TCP_SYN, 100, 0);
      Packet synAck = tcp(server, client, 80, cport, Packet.TCP_SYN | Packet.TCP_ACK, 5000, 101);
      Packet ack = tcp(client, server, cport, 80, Packet.TCP_ACK, 101, 5001);
      ct.confirm(ct.classify(syn, TrackOptions.NONE));
      ct.confirm(ct.classify(synAck, TrackOptions.NONE));
      CtLookup l = ct.classify(ack, TrackOptions.NONE);
      ct.confirm(l);
      ct.markOffloaded(l.entry());
      ExactMatch m = ExactMatch.of(ack).orElseThrow();
      offloads.record(l.entry(), ConnectionCookie.of(m));
      Attachment src = new Attachment(s1, OFPort.of(1 + client));
      Attachment dst = new Attachment(s2, OFPort.of(1 + server));
      Path path = new Path(src, dst, List.of(new Hop(s1, src.port(), OFPort.of(100)),
          new Hop(s2, OFPort.of(100), dst.port())), List.of(link));
      installed.record(new InstalledConnection(ConnectionCookie.of(m), m, src, dst,
          EnumSet.of(CtDirection.ORIGINAL, CtDirection.REPLY), path));
    }
    long conntrack = GraphLayout.parseInstance(ct).totalSize();
    report("conntrack", conntrack, n);
    // the table refers to conntrack's entries (and they to it): count only what it adds
    report("offload table", GraphLayout.parseInstance(ct, offloads).totalSize() - conntrack, n);
    // one round of flow statistics, as every 10 s: what the refresher keeps between rounds
    FakeSwitch sw = FakeSwitch.of13(1, 1, 2);
    OffloadCounters refresher = new OffloadCounters(
        TopologyApp.create(TopologySettings.DEFAULTS).service(), offloads, ct::touch, 0);
    OFFactory f = sw.factory();
    List<OFFlowStatsEntry> part = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int client = i & 63;
      int server = 64 + ((i >>> 6) & 63);
      int cport = 1024 + (i >>> 12);
      ExactMatch m = ExactMatch.of(tcp(client, server, cport, 80, Packet.TCP_ACK, 1, 1)).orElseThrow();
      part.add(f.buildFlowStatsEntry().setCookie(ConnectionCookie.of(m))
          .setMatch(m.toMatch(f, OFPort.of(1 + client)).orElseThrow())
          .setPacketCount(U64.of(10)).setByteCount(U64.of(1000)).build());
      ExactMatch r = m.reverse().orElseThrow();
      part.add(f.buildFlowStatsEntry().setCookie(ConnectionCookie.of(r))
          .setMatch(r.toMatch(f, OFPort.of(1 + server)).orElseThrow())
          .setPacketCount(U64.of(10)).setByteCount(U64.of(1000)).build());
      if (part.size() >= 2000 || i == n - 1) {
        refresher.apply(sw, List.of(f.buildFlowStatsReply().setEntries(part).build()));
        part = new ArrayList<>();
      }
    }
    long all = GraphLayout.parseInstance(ct, offloads, refresher).totalSize();
    report("all, after a refresh", all, n);
  }

  private static void report(String what, long bytes, int n) {
    System.out.printf("%-24s %7.1f bytes/connection%n", what, bytes / (double) n);
  }

  private static Packet tcp(int from, int to, int sport, int dport, int flags, long seq, long ack) {
    return Packet.builder().addresses(IpAddress.v4(0x0A000000 | from), IpAddress.v4(0x0A000000 | to))
        .srcMac(0x0200_0000_0000L | from).dstMac(0x0200_0000_0000L | to).tcp(sport, dport, flags).seq(seq).ack(ack).window(65535)
        .ipLength(40).build();
  }
}
