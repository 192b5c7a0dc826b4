package io.statewall.netfilter.conntrack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.statewall.netfilter.conntrack.ftp.FtpHelper;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Mangled frames of a live FTP session through parser, tracker and helper: a verdict, never an exception. */
class TrackerFuzzTest {

  @Test
  void mangledPacketsGetAVerdict() {
    FakeClock clock = new FakeClock();
    ShardedConnTracker ct = new ShardedConnTracker(CtConfig.defaults().withMaxEntries(5000), clock,
        List.of(new FtpHelper()));
    PacketParser parser = new PacketParser();
    TcpFlow f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 21);
    int pa = Packet.TCP_PSH | Packet.TCP_ACK;
    List<byte[]> seeds = new ArrayList<>();
    seeds.add(f.cFrame(Packet.TCP_SYN, ""));
    seeds.add(f.sFrame(Packet.TCP_SYN | Packet.TCP_ACK, ""));
    seeds.add(f.cFrame(Packet.TCP_ACK, ""));
    seeds.add(f.sFrame(pa, "220 hi\r\n"));
    seeds.add(f.cFrame(pa, "USER a\r\n"));
    seeds.add(f.sFrame(pa, "227 Entering Passive Mode (10,0,0,2,19,138).\r\n"));
    seeds.add(f.cFrame(pa, "PORT 10,0,0,1,19,137\r\n"));
    seeds.add(f.cFrame(pa, "EPRT |1|10.0.0.1|5001|\r\n"));
    seeds.add(f.sFrame(pa, "229 (|||5004|)\r\n"));
    for (byte[] s : seeds) {
      Packet p = parser.parse(s);
      ct.confirm(ct.classify(p, TrackOptions.helper("ftp")));
    }
    long foundBefore = ct.stats().found();
    Random r = new Random(7);
    for (int i = 0; i < 30_000; i++) {
      byte[] m = seeds.get(r.nextInt(seeds.size())).clone();
      int flips = 1 + r.nextInt(4);
      for (int k = 0; k < flips; k++) {
        // Mostly the TCP header and payload, sometimes anywhere.
        int at = r.nextInt(3) == 0 ? r.nextInt(m.length) : 34 + r.nextInt(m.length - 34);
        m[at] = (byte) r.nextInt(256);
      }
      if (r.nextBoolean()) {
        refixTcpChecksum(m); // else nearly every mangled segment stops at the checksum check
      }
      assertThatCode(() -> {
        Packet p = parser.parse(m);
        CtLookup l = ct.classify(p, TrackOptions.helper("ftp"));
        if (!l.dropNow()) {
          ct.confirm(l);
        }
        if (r.nextInt(100) == 0) {
          clock.advanceSeconds(r.nextInt(400));
          ct.collectExpired(64);
        }
      }).doesNotThrowAnyException();
    }
    assertThat(ct.stats().entries()).isLessThanOrEqualTo(5000);
    assertThat(ct.stats().found() - foundBefore).as("mangled segments still reach the TCP tracker")
        .isGreaterThan(1_000);
    assertThat(ct.stats().expectations()).isLessThanOrEqualTo(ct.stats().entries());
  }

  /** Rewrites an IPv4 TCP frame's checksum so that the mangled segment passes it. */
  private static void refixTcpChecksum(byte[] m) {
    Packet p = new PacketParser().parse(m);
    if (p.malformed() != null || !p.isTcp() || p.ipVersion() != 4 || p.l3Offset() < 0
        || p.isFragmented() || p.l3Offset() + p.ipLength() > m.length) {
      return;
    }
    int l4 = p.l4Offset();
    int len = p.l3Offset() + p.ipLength() - l4;
    int s = p.src().v4Int();
    int d = p.dst().v4Int();
    long pseudo = (s >>> 16) + (s & 0xFFFF) + (d >>> 16) + (d & 0xFFFF) + 6 + len;
    m[l4 + 16] = 0;
    m[l4 + 17] = 0;
    int c = io.statewall.netfilter.packet.FrameBuilder.checksum(m, l4, len, pseudo);
    m[l4 + 16] = (byte) (c >>> 8);
    m[l4 + 17] = (byte) c;
  }
}
