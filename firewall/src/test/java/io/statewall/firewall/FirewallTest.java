package io.statewall.firewall;

import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.netfilter.judge.Judgement;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.ftp.FtpHelper;
import io.statewall.firewall.forwarding.Decision;
import io.statewall.firewall.forwarding.fakes.FakeAppContext;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.netfilter.rules.Verdict;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologySettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;

/** The decision pipeline on the seed's policies, packet by packet, without switches. */
class FirewallTest {
  static final Path SEED = Path.of("..", "examples", "seed.yaml");
  static final Attachment AT = new Attachment(DatapathId.of(1), OFPort.of(1));
  static final int SYN = Packet.TCP_SYN;
  static final int ACK = Packet.TCP_ACK;

  private final PacketParser parser = new PacketParser();
  private Firewall firewall;

  @BeforeEach
  void setUp() throws Exception {
    FakeAppContext ctx = new FakeAppContext();
    firewall = new Firewall(new PolicyHolder(new PolicyLoader().load(SEED)),
        new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of(new FtpHelper())),
        TopologyApp.create(TopologySettings.DEFAULTS).service(), ctx.switches(),
        new Firewall.Outputs(new OffloadTable(), 5, Firewall.DecisionListener.NONE));
  }

  private Packet tcp(String src, String dst, int sport, int dport, int flags, long seq, long ack, String payload) {
    return parser.parse(FrameBuilder.ip(src, dst).macs(1, 2).tcp(sport, dport, flags).seq(seq).ack(ack)
        .payload(payload.getBytes(StandardCharsets.US_ASCII)).build());
  }

  private Judgement judge(Packet p) {
    return firewall.judge(p, AT);
  }

  @Test
  void newSshToTheServerIsAcceptedByItsRuleButNotOffloadedYet() {
    Judgement j = judge(tcp("10.0.0.4", "10.0.0.1", 40000, 22, SYN, 100, 0, ""));
    assertThat(j.verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(j.state()).isEqualTo(CtState.NEW);
    assertThat(j.decidedBy().line()).isEqualTo(8);
    assertThat(j.install()).as("later packets of a NEW connection will be ESTABLISHED: judged again").isEmpty();
  }

  @Test
  void aHandshakedConnectionIsOffloadedBothWays() {
    judge(tcp("10.0.0.4", "10.0.0.1", 40000, 80, SYN, 100, 0, ""));
    Judgement synAck = judge(tcp("10.0.0.1", "10.0.0.4", 80, 40000, SYN | ACK, 500, 101, ""));
    assertThat(synAck.state()).isEqualTo(CtState.ESTABLISHED);
    assertThat(synAck.install()).as("TCP still in SYN_RECV").isEmpty();
    Judgement ack = judge(tcp("10.0.0.4", "10.0.0.1", 40000, 80, ACK, 101, 501, ""));
    assertThat(ack.verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(ack.install()).containsExactlyInAnyOrder(CtDirection.ORIGINAL, CtDirection.REPLY);
  }

  @Test
  void aRefusedNewConnectionGetsADropEntryButAStrayPacketDoesNot() {
    Packet telnet = tcp("10.0.0.4", "10.0.0.1", 40001, 23, SYN, 1, 0, "");
    assertThat(firewall.decide(telnet, AT)).isInstanceOf(Decision.Drop.class)
        .extracting(d -> ((Decision.Drop) d).dropEntrySeconds()).isEqualTo(5);
    // the server may not start connections: dropped, and the refused SYN never enters conntrack
    Judgement out = judge(tcp("10.0.0.1", "10.0.0.4", 40002, 80, SYN, 1, 0, ""));
    assertThat(out.verdict()).isEqualTo(Verdict.DROP);
    assertThat(out.decidedBy().chain()).isEqualTo("OUTPUT");
  }

  @Test
  void theFtpControlConnectionStaysWithTheControllerAndItsDataConnectionIsRelated() {
    String d = "10.0.0.2";
    String s = "10.0.0.3";
    judge(tcp(d, s, 40000, 21, SYN, 100, 0, ""));
    judge(tcp(s, d, 21, 40000, SYN | ACK, 500, 101, ""));
    Judgement est = judge(tcp(d, s, 40000, 21, ACK, 101, 501, ""));
    assertThat(est.install()).as("helper connections are inspected inline").isEmpty();
    judge(tcp(s, d, 21, 40000, ACK | Packet.TCP_PSH, 501, 101, "220 hi\r\n"));
    judge(tcp(d, s, 40000, 21, ACK | Packet.TCP_PSH, 101, 509, "USER a\r\n"));
    judge(tcp(s, d, 21, 40000, ACK | Packet.TCP_PSH, 509, 109, "230 ok\r\n"));
    Judgement pasv = judge(tcp(s, d, 21, 40000, ACK | Packet.TCP_PSH, 517, 109,
        "227 Entering Passive Mode (10,0,0,3,200,10)\r\n"));
    assertThat(pasv.verdict()).isEqualTo(Verdict.ACCEPT);
    Judgement data = judge(tcp(d, s, 40010, 200 * 256 + 10, SYN, 7000, 0, ""));
    assertThat(data.state()).isEqualTo(CtState.RELATED);
    assertThat(data.verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(data.decidedBy().line()).isEqualTo(20);
  }

  @Test
  void reverseOfAPacketSwapsEndpointsAndAnswersEcho() {
    Packet ping = parser.parse(FrameBuilder.ip("10.0.0.1", "10.0.0.2").macs(1, 2).icmp(8, 0, 7 << 16).build());
    Packet back = Firewall.reverse(ping);
    assertThat(back.src()).isEqualTo(ping.dst());
    assertThat(back.icmpType()).isZero();
    assertThat(Set.of(back.srcMac(), back.dstMac())).containsExactlyInAnyOrder(1L, 2L);
  }
}
