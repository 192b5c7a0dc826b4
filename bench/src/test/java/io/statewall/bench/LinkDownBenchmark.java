package io.statewall.bench;

import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.InstalledConnection;
import io.statewall.firewall.forwarding.InstalledConnections;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.topology.Attachment;
import io.statewall.topology.Hop;
import io.statewall.topology.Link;
import io.statewall.topology.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * What a failed link costs the offload layer: finding the connections whose path uses it among all
 * installed ones ({@code InstalledConnections.using}), as `statewall bench`'s network lays them out
 * (16 switches in a line, every connection between neighbours over one link), while every new
 * connection's install waits for it. Milliseconds per link.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LinkDownBenchmark {
  private static final int SWITCHES = 16;

  @Param({"1000000"})
  int connections;

  private InstalledConnections installed;
  private Link link;

  @Setup
  public void setUp() {
    installed = new InstalledConnections();
    List<Link> links = new ArrayList<>();
    for (int s = 1; s < SWITCHES; s++) {
      links.add(new Link(new Attachment(DatapathId.of(s), OFPort.of(5)), new Attachment(DatapathId.of(s + 1), OFPort.of(6))));
    }
    for (int i = 0; i < connections; i++) {
      int s = 1 + i % (SWITCHES - 1);
      int h = 1 + (i / (SWITCHES - 1)) % 4;
      int port = 1024 + i / ((SWITCHES - 1) * 4); // (s, h, port) names one connection
      Attachment src = new Attachment(DatapathId.of(s), OFPort.of(h));
      Attachment dst = new Attachment(DatapathId.of(s + 1), OFPort.of(h));
      Link l = links.get(s - 1);
      Path path = new Path(src, dst, List.of(new Hop(src.sw(), src.port(), OFPort.of(5)),
          new Hop(dst.sw(), OFPort.of(6), dst.port())), List.of(l));
      ExactMatch m = new ExactMatch(0x0800, MacAddress.of(0x0200_0000_0000L | (s << 8) | h),
          MacAddress.of(0x0200_0000_0000L | ((s + 1) << 8) | h), -1, IPv4Address.of(0x0A000000 | (s << 8) | h),
          IPv4Address.of(0x0A000000 | ((s + 1) << 8) | h), 6, port & 0xFFFF, 80, -1, -1);
      installed.record(new InstalledConnection(ConnectionCookie.of(m), m, src, dst,
          EnumSet.of(CtDirection.ORIGINAL, CtDirection.REPLY), path));
    }
    link = links.get(SWITCHES / 2);
  }

  @Benchmark
  public int connectionsOnAFailedLink() {
    return installed.using(link).size();
  }
}
