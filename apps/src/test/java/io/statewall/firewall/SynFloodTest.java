package io.statewall.firewall;

import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.netfilter.judge.Judgement;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.ftp.FtpHelper;
import io.statewall.firewall.forwarding.fakes.FakeAppContext;
import io.statewall.apps.main.FirewallAssembler;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.netfilter.rules.Verdict;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologySettings;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * A spoofed-source SYN flood at the seed's web server (10.0.0.1:80, open to NEW connections) through
 * the whole decision pipeline, with a small conntrack table: the table stays at its maximum, the
 * flood's unassured entries are early-dropped to make room, and legitimate connections, set up
 * while the flood goes on and already established before it, keep getting in.
 */
class SynFloodTest {
  static final Path SEED = Path.of("..", "examples", "seed.yaml");
  static final Attachment OUTSIDE = new Attachment(DatapathId.of(1), OFPort.of(4));
  static final int MAX = 10_000;
  static final int SYN = Packet.TCP_SYN;
  static final int ACK = Packet.TCP_ACK;

  private final PacketParser parser = new PacketParser();
  private final ShardedConnTracker tracker =
      new ShardedConnTracker(CtConfig.defaults().withMaxEntries(MAX), InstantSource.system(), List.of(new FtpHelper()));
  private final Firewall firewall;
  private int floodSource;

  SynFloodTest() throws Exception {
    FakeAppContext ctx = new FakeAppContext();
    firewall = new Firewall(new PolicyHolder(new PolicyLoader().load(SEED)), tracker,
        TopologyApp.create(TopologySettings.DEFAULTS).service(), ctx.switches(), new Firewall.Outputs(new OffloadTable(), 5,
        Firewall.DecisionListener.NONE));
  }

  private Packet tcp(String src, String dst, int sport, int dport, int flags, long seq, long ack) {
    return parser.parse(FrameBuilder.ip(src, dst).macs(4, 1).tcp(sport, dport, flags).seq(seq).ack(ack).build());
  }

  private Judgement judge(Packet p) {
    return firewall.judge(p, OUTSIDE);
  }

  /** {@code n} SYNs from distinct forged sources in 100.64.0.0/10; the server's SYN-ACKs go nowhere. */
  private void flood(int n) {
    for (int i = 0; i < n; i++) {
      int s = floodSource++;
      String src = "100." + (64 + (s >>> 16 & 63)) + "." + (s >>> 8 & 255) + "." + (s & 255);
      judge(tcp(src, "10.0.0.1", 1024 + s % 60000, 80, SYN, s, 0));
    }
  }

  /** A whole handshake from the outsider, with {@code between} flood SYNs between its packets. */
  private boolean connect(int port, int between) {
    boolean ok = judge(tcp("10.0.0.4", "10.0.0.1", port, 80, SYN, 100, 0)).verdict() == Verdict.ACCEPT;
    flood(between);
    Judgement synAck = judge(tcp("10.0.0.1", "10.0.0.4", 80, port, SYN | ACK, 500, 101));
    ok &= synAck.verdict() == Verdict.ACCEPT && synAck.state() == CtState.ESTABLISHED;
    flood(between);
    Judgement ack = judge(tcp("10.0.0.4", "10.0.0.1", port, 80, ACK, 101, 501));
    return ok && ack.verdict() == Verdict.ACCEPT && ack.state() == CtState.ESTABLISHED;
  }

  @Test
  void legitimateConnectionsKeepGettingInWhileTheTableIsFullOfTheFlood() {
    int before = 0;
    for (int i = 0; i < 50; i++) {
      before += connect(30_000 + i, 0) ? 1 : 0;
    }
    assertThat(before).isEqualTo(50);

    flood(5 * MAX);
    assertThat(tracker.stats().entries()).as("bounded").isLessThanOrEqualTo(MAX).isGreaterThan(MAX - 100);
    assertThat(tracker.stats().earlyDrop()).as("the flood made its own room").isGreaterThanOrEqualTo(4L * MAX - 100);

    int during = 0;
    for (int i = 0; i < 100; i++) {
      during += connect(40_000 + i, 10) ? 1 : 0;
    }
    assertThat(during).as("new legitimate connections during the flood").isGreaterThanOrEqualTo(99);

    int survived = 0;
    for (int i = 0; i < 50; i++) {
      Judgement j = judge(tcp("10.0.0.4", "10.0.0.1", 30_000 + i, 80, ACK, 101, 501));
      survived += j.verdict() == Verdict.ACCEPT && j.state() == CtState.ESTABLISHED ? 1 : 0;
    }
    assertThat(survived).as("assured connections are never early-dropped").isEqualTo(50);
    assertThat(tracker.stats().entries()).isLessThanOrEqualTo(MAX);
  }

  @Test
  void theRunningFirewallsTableIsBoundedAsLinuxsIsByDefault() throws Exception {
    FirewallAssembler assembler = new FirewallAssembler();
    assembler.assemble(SEED);
    // nf_conntrack_max on a host with 4 GiB or more: about 48 MB at 184 bytes a connection
    assertThat(((ShardedConnTracker) assembler.firewall().tracker()).config().maxEntries()).isEqualTo(262_144);
  }
}
