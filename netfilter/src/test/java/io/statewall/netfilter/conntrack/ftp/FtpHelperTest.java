package io.statewall.netfilter.conntrack.ftp;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtLookup;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.Expectation;
import io.statewall.netfilter.conntrack.FakeClock;
import io.statewall.netfilter.conntrack.HelperVerdict;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.TcpFlow;
import io.statewall.netfilter.conntrack.TrackOptions;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The helper through the tracker, packet by packet: one test per behaviour of nf_conntrack_ftp. */
class FtpHelperTest {

  private static final int PA = Packet.TCP_PSH | Packet.TCP_ACK;
  private FakeClock clock;
  private ConnTracker ct;
  private TcpFlow ctl;

  @BeforeEach
  void setUp() {
    clock = new FakeClock();
    ct = new ShardedConnTracker(CtConfig.defaults(), clock, List.of(new FtpHelper()));
    ctl = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 21);
  }

  /** Classify with the raw table's choice (helper on port 21), confirm as an accepting filter. */
  private HelperVerdict send(Packet p) {
    TrackOptions o = p.isTcp() && p.dstPort() == 21 ? TrackOptions.helper("ftp") : TrackOptions.NONE;
    CtLookup l = ct.classify(p, o);
    return ct.confirm(l);
  }

  private void login(TcpFlow f) {
    send(f.c(Packet.TCP_SYN));
    send(f.s(Packet.TCP_SYN | Packet.TCP_ACK));
    send(f.c(Packet.TCP_ACK));
    send(f.s(PA, "220 ready\r\n"));
    send(f.c(PA, "USER ftp\r\n"));
    send(f.s(PA, "331 pass\r\n"));
    send(f.c(PA, "PASS x\r\n"));
    send(f.s(PA, "230 ok\r\n"));
  }

  private Expectation onlyExpectation() {
    assertThat(ct.expectations()).hasSize(1);
    return ct.expectations().get(0);
  }

  @Test
  void portExpectsServerToClientPort() {
    login(ctl);
    assertThat(send(ctl.c(PA, "PORT 10,0,0,1,19,137\r\n")).accept()).isTrue();
    Expectation x = onlyExpectation();
    assertThat(x.src()).isEqualTo(IpAddress.parse("10.0.0.2"));
    assertThat(x.dst()).isEqualTo(IpAddress.parse("10.0.0.1"));
    assertThat(x.dstPort()).isEqualTo(5001);
    assertThat(x.master().helper()).isEqualTo("ftp");
    assertThat(ct.listExpectations().get(0)).startsWith("300 proto=6 src=10.0.0.2 dst=10.0.0.1 sport=0 dport=5001 ")
        .endsWith("master-src=10.0.0.1 master-dst=10.0.0.2 sport=40000 dport=21 class=0 helper=ftp");
  }

  @Test
  void pasvReplyExpectsClientToServerPort() {
    login(ctl);
    send(ctl.c(PA, "PASV\r\n"));
    assertThat(send(ctl.s(PA, "227 Entering Passive Mode (10,0,0,2,19,138).\r\n")).accept()).isTrue();
    Expectation x = onlyExpectation();
    assertThat(x.src()).isEqualTo(IpAddress.parse("10.0.0.1"));
    assertThat(x.dst()).isEqualTo(IpAddress.parse("10.0.0.2"));
    assertThat(x.dstPort()).isEqualTo(5002);
  }

  @Test
  void dataConnectionIsRelatedConsumesTheExpectationAndRecordsItsMaster() {
    login(ctl);
    send(ctl.c(PA, "PORT 10,0,0,1,19,137\r\n"));
    TcpFlow data = new TcpFlow("10.0.0.2", 20, "10.0.0.1", 5001);
    CtLookup l = ct.classify(data.c(Packet.TCP_SYN), TrackOptions.NONE);
    assertThat(l.state()).isEqualTo(CtState.RELATED);
    assertThat(ct.expectations()).as("taken at classification, as nf_ct_find_expectation does").isEmpty();
    ct.confirm(l);
    assertThat(ct.expectations()).isEmpty();
    assertThat(l.entry().master().tuple(CtDirection.ORIGINAL).dstPort()).isEqualTo(21);
    assertThat(l.entry().hasStatus(CtEntry.EXPECTED)).isTrue();
    // The next packet of the data connection, and a second connection to the same port.
    assertThat(ct.classify(data.s(Packet.TCP_SYN | Packet.TCP_ACK), TrackOptions.NONE).state())
        .isEqualTo(CtState.ESTABLISHED);
    TcpFlow other = new TcpFlow("10.0.0.2", 21000, "10.0.0.1", 5001);
    assertThat(ct.classify(other.c(Packet.TCP_SYN), TrackOptions.NONE).state()).isEqualTo(CtState.NEW);
  }

  @Test
  void dataConnectionDroppedByTheFilterUsesUpTheExpectationSoItsRetryIsNew() {
    login(ctl);
    send(ctl.c(PA, "PORT 10,0,0,1,19,137\r\n"));
    TcpFlow data = new TcpFlow("10.0.0.2", 20, "10.0.0.1", 5001);
    assertThat(ct.classify(data.c(Packet.TCP_SYN), TrackOptions.NONE).state()).isEqualTo(CtState.RELATED);
    // no confirm: the filter dropped it. Linux unlinked the expectation at init_conntrack.
    assertThat(ct.expectations()).isEmpty();
    assertThat(ct.entries()).hasSize(1);
    assertThat(ct.classify(data.c(Packet.TCP_SYN), TrackOptions.NONE).state())
        .as("the retransmitted SYN").isEqualTo(CtState.NEW);
  }

  @Test
  void twoConnectionsRacingForOneExpectationOnlyTheFirstIsRelated() {
    login(ctl);
    send(ctl.c(PA, "PORT 10,0,0,1,19,137\r\n"));
    CtLookup first = ct.classify(new TcpFlow("10.0.0.2", 20, "10.0.0.1", 5001).c(Packet.TCP_SYN), TrackOptions.NONE);
    CtLookup second = ct.classify(new TcpFlow("10.0.0.2", 21, "10.0.0.1", 5001).c(Packet.TCP_SYN), TrackOptions.NONE);
    assertThat(first.state()).isEqualTo(CtState.RELATED);
    assertThat(second.state()).isEqualTo(CtState.NEW);
  }

  @Test
  void malformedCommandDropsThePacketAndCountsIt() {
    login(ctl);
    HelperVerdict v = send(ctl.c(PA, "PORT 10,0,0,1,19,137\n"));
    assertThat(v.accept()).isFalse();
    assertThat(v.reason()).contains("ftp");
    assertThat(ct.expectations()).isEmpty();
    assertThat(ct.stats().helperDrop()).isEqualTo(1);
  }

  @Test
  void commandSplitAcrossSegmentsDropsTheFirstPartAndNeverExpects() {
    login(ctl);
    assertThat(send(ctl.c(PA, "PORT 10,0,0,")).accept()).isFalse();
    assertThat(send(ctl.c(PA, "1,19,137\r\n")).accept()).isTrue();
    assertThat(ct.expectations()).isEmpty();
  }

  @Test
  void retransmittedPortKeepsOneExpectation() {
    login(ctl);
    Packet port = ctl.cPeek(PA, "PORT 10,0,0,1,19,137\r\n");
    assertThat(send(port).accept()).isTrue();
    assertThat(send(port).accept()).isTrue();
    assertThat(onlyExpectation().dstPort()).isEqualTo(5001);
  }

  @Test
  void secondPortReplacesTheFirst() {
    login(ctl);
    send(ctl.c(PA, "PORT 10,0,0,1,19,137\r\n"));
    send(ctl.s(PA, "200 ok\r\n"));
    send(ctl.c(PA, "PORT 10,0,0,1,19,139\r\n"));
    assertThat(onlyExpectation().dstPort()).isEqualTo(5003);
  }

  @Test
  void portFromTheServerIsIgnored() {
    login(ctl);
    assertThat(send(ctl.s(PA, "PORT 10,0,0,2,19,137\r\n")).accept()).isTrue();
    assertThat(ct.expectations()).isEmpty();
  }

  @Test
  void bounceAddressPassesWithoutExpectation() {
    login(ctl);
    assertThat(send(ctl.c(PA, "PORT 192,168,1,1,0,25\r\n")).accept()).isTrue();
    assertThat(ct.expectations()).isEmpty();
  }

  @Test
  void firstSegmentOfADirectionIsNeverParsed() {
    send(ctl.c(Packet.TCP_SYN));
    send(ctl.s(Packet.TCP_SYN | Packet.TCP_ACK));
    send(ctl.c(Packet.TCP_ACK));
    assertThat(send(ctl.c(PA, "PORT 10,0,0,1,19,137\r\n")).accept()).isTrue();
    assertThat(ct.expectations()).isEmpty();
    // ... but it ends in a newline, so the next one is at a line start.
    assertThat(send(ctl.c(PA, "PORT 10,0,0,1,19,138\r\n")).accept()).isTrue();
    assertThat(onlyExpectation().dstPort()).isEqualTo(5002);
  }

  @Test
  void commandAfterAnotherLineInTheSameSegmentIsNotParsed() {
    login(ctl);
    assertThat(send(ctl.c(PA, "NOOP\r\nPORT 10,0,0,1,19,137\r\n")).accept()).isTrue();
    assertThat(ct.expectations()).isEmpty();
  }

  @Test
  void nothingIsParsedBeforeTrafficBothWays() {
    // A picked-up connection (no reply yet): the client's segments are NEW, not ESTABLISHED, and
    // nf_conntrack_ftp reads only ESTABLISHED ones
    send(ctl.c(PA, "USER x\r\n"));
    assertThat(send(ctl.c(PA, "PO")).accept()).as("a partial line, not dropped as a parsed one is").isTrue();
    assertThat(send(ctl.c(PA, "RT 10,0,0,1,19,137\r\n")).accept()).isTrue();
    assertThat(send(ctl.c(PA, "PORT 10,0,0,1,19,138\r\n")).accept()).isTrue();
    assertThat(ct.expectations()).as("a whole PORT command at a line start, not read").isEmpty();
  }

  @Test
  void expectationExpiresAfter300Seconds() {
    login(ctl);
    send(ctl.c(PA, "PORT 10,0,0,1,19,137\r\n"));
    clock.advanceSeconds(299);
    assertThat(ct.expectations()).hasSize(1);
    clock.advanceSeconds(2);
    assertThat(ct.expectations()).isEmpty();
    TcpFlow data = new TcpFlow("10.0.0.2", 20, "10.0.0.1", 5001);
    assertThat(ct.classify(data.c(Packet.TCP_SYN), TrackOptions.NONE).state()).isEqualTo(CtState.NEW);
    ct.collectExpired(1 << 20);
    assertThat(ct.stats().expectations()).isZero();
  }

  @Test
  void expectationGoesWithItsControlConnection() {
    login(ctl);
    send(ctl.c(PA, "PORT 10,0,0,1,19,137\r\n"));
    assertThat(ct.delete(CtTuple.ports("10.0.0.1", "10.0.0.2", 6, 40000, 21))).isEqualTo(1);
    assertThat(ct.expectations()).isEmpty();
    TcpFlow data = new TcpFlow("10.0.0.2", 20, "10.0.0.1", 5001);
    assertThat(ct.classify(data.c(Packet.TCP_SYN), TrackOptions.NONE).state()).isEqualTo(CtState.NEW);
  }

  @Test
  void expectationGoesWhenTheControlConnectionResets() {
    login(ctl);
    send(ctl.c(PA, "PORT 10,0,0,1,19,137\r\n"));
    send(ctl.c(Packet.TCP_RST));
    clock.advanceSeconds(11);
    ct.collectExpired(1 << 20);
    assertThat(ct.entries()).isEmpty();
    assertThat(ct.expectations()).isEmpty();
  }

  @Test
  void sameExpectationFromAnotherControlConnectionClashesAndDrops() {
    login(ctl);
    send(ctl.c(PA, "PORT 10,0,0,1,19,137\r\n"));
    TcpFlow second = new TcpFlow("10.0.0.1", 40001, "10.0.0.2", 21);
    login(second);
    HelperVerdict v = send(second.c(PA, "PORT 10,0,0,1,19,137\r\n"));
    assertThat(v.accept()).isFalse();
    assertThat(onlyExpectation().master().tuple(CtDirection.ORIGINAL).srcPort()).isEqualTo(40000);
  }

  @Test
  void fullExpectationTableDrops() {
    ct = new ShardedConnTracker(CtConfig.defaults().withMaxExpectations(1), clock, List.of(new FtpHelper()));
    login(ctl);
    assertThat(send(ctl.c(PA, "PORT 10,0,0,1,19,137\r\n")).accept()).isTrue();
    TcpFlow second = new TcpFlow("10.0.0.1", 40001, "10.0.0.2", 21);
    login(second);
    assertThat(send(second.c(PA, "PORT 10,0,0,1,19,138\r\n")).accept()).isFalse();
  }

  @Test
  void ipv6EprtAndEpsv() {
    TcpFlow f = new TcpFlow("2001:db8::1", 40000, "2001:db8::2", 21);
    login(f);
    assertThat(send(f.c(PA, "EPRT |2|2001:db8::1|6000|\r\n")).accept()).isTrue();
    assertThat(onlyExpectation().dst()).isEqualTo(IpAddress.parse("2001:db8::1"));
    send(f.s(PA, "229 Entering Extended Passive Mode (|||6001|)\r\n"));
    Expectation x = onlyExpectation();
    assertThat(x.dst()).isEqualTo(IpAddress.parse("2001:db8::2"));
    assertThat(x.dstPort()).isEqualTo(6001);
  }

  @Test
  void hugeSegmentGetsAVerdict() {
    login(ctl);
    String line = "PORT " + "9".repeat(60_000) + "\r\n";
    assertThat(send(ctl.cPeek(PA, line)).accept()).isFalse();
    // the dropped segment is sent again with other bytes at the same line start
    String binary = "PORT \u00ff\u00fe\u0000\u0001" + "\u0080".repeat(30_000);
    assertThat(send(ctl.c(PA, binary)).accept()).isFalse();
  }

  @Test
  void helperOnlyWhereTheRawTableAttachesIt() {
    TcpFlow f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 2121);
    send(f.c(Packet.TCP_SYN));
    CtLookup l = ct.classify(f.s(Packet.TCP_SYN | Packet.TCP_ACK), TrackOptions.NONE);
    assertThat(l.entry().helper()).isNull();
    TcpFlow g = new TcpFlow("10.0.0.1", 40001, "10.0.0.2", 2121);
    CtLookup n = ct.classify(g.c(Packet.TCP_SYN), TrackOptions.helper("ftp"));
    ct.confirm(n);
    assertThat(n.entry().helper()).isEqualTo("ftp");
  }
}
