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
    Random r = new Random(7);
    for (int i = 0; i < 30_000; i++) {
      byte[] m = seeds.get(r.nextInt(seeds.size())).clone();
      int flips = 1 + r.nextInt(4);
      for (int k = 0; k < flips; k++) {
        // Mostly the TCP header and payload, sometimes anywhere.
        int at = r.nextInt(3) == 0 ? r.nextInt(m.length) : 34 + r.nextInt(m.length - 34);
        m[at] = (byte) r.nextInt(256);
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
    assertThat(ct.stats().expectations()).isLessThanOrEqualTo(ct.stats().entries());
  }
}
