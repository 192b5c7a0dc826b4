package io.statewall.netfilter.conntrack.ftp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.statewall.netfilter.FuzzBudget;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtLookup;
import io.statewall.netfilter.conntrack.FakeClock;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.TcpFlow;
import io.statewall.netfilter.conntrack.TrackOptions;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Arbitrary bytes as FTP control traffic. {@link FtpCommandParser} returns a match for any bytes, in both
 * directions and both families; through the tracker, {@link FtpHelper} gives every segment of a live
 * session a verdict, and its expectations stay bounded. Seeds: {@code FtpFuzzTestInputs/<method>/}.
 */
class FtpFuzzTest {
  private static final int MAX_ENTRIES = 64;

  @DictionaryEntries({"PORT ", "EPRT ", "227 ", "229 ", "|1|", "|2|", "|||", "(", ")", ",", "10,0,0,1,",
      "Entering Passive Mode", "Entering Extended Passive Mode"})
  @FuzzTest(maxDuration = FuzzBudget.SESSION)
  void commandParser(byte[] data) throws Throwable {
    FuzzBudget.bounded(() -> {
      FtpCommandParser parser = new FtpCommandParser();
      for (CtDirection d : CtDirection.values()) {
        for (Family family : Family.values()) {
          FtpMatch m = parser.parse(d, data, 0, data.length, family);
          assertThat(m).isNotNull();
          if (m instanceof FtpMatch.Command c) {
            assertThat(c.port()).isBetween(1, 65535);
          }
          // the same bytes at an offset inside a larger segment
          byte[] shifted = new byte[data.length + 3];
          System.arraycopy(data, 0, shifted, 3, data.length);
          assertThat(parser.parse(d, shifted, 3, data.length, family)).isEqualTo(m);
        }
      }
    });
  }

  /**
   * A session after its handshake; the input is split at CR-LF-terminated lines, alternating client and
   * server segments, each line a segment.
   */
  @DictionaryEntries({"PORT ", "EPRT ", "227 ", "229 ", "|1|", "|2|", "|||", "(", ")", ",", "10,0,0,1,",
      "10,0,0,2,", "|1|10.0.0.1|", "Entering Passive Mode"})
  @FuzzTest(maxDuration = FuzzBudget.SESSION)
  void helperSession(byte[] data) throws Throwable {
    FuzzBudget.bounded(() -> {
      ShardedConnTracker ct = new ShardedConnTracker(CtConfig.defaults().withMaxEntries(MAX_ENTRIES),
          new FakeClock(), List.of(new FtpHelper()));
      PacketParser parser = new PacketParser();
      TcpFlow f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 21);
      int pa = Packet.TCP_PSH | Packet.TCP_ACK;
      step(ct, parser, f.cFrame(Packet.TCP_SYN, ""));
      step(ct, parser, f.sFrame(Packet.TCP_SYN | Packet.TCP_ACK, ""));
      step(ct, parser, f.cFrame(Packet.TCP_ACK, ""));
      String text = new String(data, StandardCharsets.ISO_8859_1);
      boolean client = true;
      int at = 0;
      while (at < text.length()) {
        int end = text.indexOf('\n', at);
        end = end < 0 ? text.length() : end + 1;
        String line = text.substring(at, end);
        step(ct, parser, client ? f.cFrame(pa, line) : f.sFrame(pa, line));
        client = !client;
        at = end;
      }
      assertThat(ct.stats().entries()).isLessThanOrEqualTo(MAX_ENTRIES);
      assertThat(ct.stats().expectations()).isLessThanOrEqualTo(ct.stats().entries());
    });
  }

  private static void step(ShardedConnTracker ct, PacketParser parser, byte[] frame) {
    CtLookup l = ct.classify(parser.parse(frame), TrackOptions.helper("ftp"));
    assertThat(l).isNotNull();
    if (!l.dropNow()) {
      ct.confirm(l);
    }
  }
}
