package io.statewall.netfilter.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.ftp.FtpHelper;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The change feed cluster replication reads: which transitions conntrack reports, snapshots of a
 * connection, and a snapshot restored into another table (an heir's) with its state and timeout.
 */
class TransitionFeedTest {
  private static final int PA = Packet.TCP_PSH | Packet.TCP_ACK;
  private FakeClock clock;
  private ShardedConnTracker ct;
  private final List<String> heard = new ArrayList<>();

  @BeforeEach
  void setUp() {
    clock = new FakeClock();
    ct = new ShardedConnTracker(CtConfig.defaults(), clock, List.of(new FtpHelper()));
    ct.setTransitionListener((e, changes) -> heard.add(e.tcpStateName() + ":" + changes));
  }

  private void send(Packet p) {
    TrackOptions o = p.isTcp() && p.dstPort() == 21 ? TrackOptions.helper("ftp") : TrackOptions.NONE;
    ct.confirm(ct.classify(p, o));
  }

  @Test
  void aHandshakeAndItsCloseAreReportedTransitionByTransitionAndDataIsNot() {
    TcpFlow f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 80);
    send(f.c(Packet.TCP_SYN));
    send(f.s(Packet.TCP_SYN | Packet.TCP_ACK));
    send(f.c(Packet.TCP_ACK));
    send(f.c(PA, "data"));
    send(f.s(PA, "more data"));
    send(f.c(Packet.TCP_FIN | Packet.TCP_ACK));

    int created = CtTransitionListener.CREATED;
    int reply = CtTransitionListener.SEEN_REPLY | CtTransitionListener.TCP_STATE;
    int assured = CtTransitionListener.ASSURED | CtTransitionListener.TCP_STATE;
    assertThat(heard).containsExactly("SYN_SENT:" + created, "SYN_RECV:" + reply, "ESTABLISHED:" + assured,
        "FIN_WAIT:" + CtTransitionListener.TCP_STATE);
  }

  @Test
  void withoutAListenerNothingIsReportedAndTrackingIsTheSame() {
    ct.setTransitionListener(null);
    TcpFlow f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 80);
    send(f.c(Packet.TCP_SYN));
    send(f.s(Packet.TCP_SYN | Packet.TCP_ACK));
    send(f.c(Packet.TCP_ACK));
    assertThat(heard).isEmpty();
    assertThat(ct.entries()).singleElement().extracting(CtEntry::tcpStateName).isEqualTo("ESTABLISHED");
  }

  @Test
  void aSnapshotRestoredIntoAnotherTableKeepsStateTimeoutAndHelperAndIsReportedCreated() {
    TcpFlow f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 21);
    send(f.c(Packet.TCP_SYN));
    send(f.s(Packet.TCP_SYN | Packet.TCP_ACK));
    send(f.c(Packet.TCP_ACK));
    CtEntry e = ct.entries().get(0);
    clock.advanceSeconds(10);
    CtSnapshot s = ct.snapshot(e);
    assertThat(s.tcpStateName()).isEqualTo("ESTABLISHED");
    assertThat(s.status()).isEqualTo(CtEntry.SEEN_REPLY | CtEntry.ASSURED);
    assertThat(s.remainingMillis()).isEqualTo(432_000_000L - 10_000);
    assertThat(s.helper()).isEqualTo("ftp");

    FakeClock otherClock = new FakeClock();
    ShardedConnTracker heir = new ShardedConnTracker(CtConfig.defaults(), otherClock, List.of(new FtpHelper()));
    List<Integer> heirHeard = new ArrayList<>();
    heir.setTransitionListener((x, changes) -> heirHeard.add(changes));
    Optional<CtEntry> r = heir.restore(s);

    assertThat(r).isPresent();
    assertThat(heirHeard).containsExactly(CtTransitionListener.CREATED);
    assertThat(heir.format(r.get())).startsWith("tcp      6 431990 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=40000 "
        + "dport=21 src=10.0.0.2 dst=10.0.0.1 sport=21 dport=40000 [ASSURED]");
    assertThat(r.get().helper()).isEqualTo("ftp");
    // its windows are unknown: a packet far ahead in sequence is still ESTABLISHED, as for an offloaded one
    f.cSeq += 50_000_000;
    assertThat(heir.classify(f.c(PA, "x"), TrackOptions.helper("ftp")).state()).isEqualTo(CtState.ESTABLISHED);
    assertThat(heir.restoreExpectation(r.get(), IpAddress.parse("10.0.0.1"), IpAddress.parse("10.0.0.2"), 6, 5002,
        60_000)).isTrue();
    assertThat(heir.expectations()).singleElement().extracting(Expectation::dstPort).isEqualTo(5002);
  }

  @Test
  void aNewExpectationIsToldBeforeConfirmReturnsItsVerdict() {
    List<String> told = new ArrayList<>();
    ct.setExpectationListener((x, remaining) -> told.add(x.dstPort() + "/" + remaining + "/" + ct.expectations().size()));
    TcpFlow f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 21);
    send(f.c(Packet.TCP_SYN));
    send(f.s(Packet.TCP_SYN | Packet.TCP_ACK));
    send(f.c(Packet.TCP_ACK));
    send(f.s(PA, "220 ready\r\n"));
    send(f.c(PA, "PASV\r\n"));
    assertThat(told).isEmpty();

    send(f.s(PA, "227 Entering Passive Mode (10,0,0,2,19,138).\r\n"));

    assertThat(told).containsExactly("5002/300000/1");
  }

  @Test
  void aSnapshotOfAConnectionNoLongerTrackedIsNull() {
    TcpFlow f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 80);
    send(f.c(Packet.TCP_SYN));
    CtEntry e = ct.entries().get(0);
    ct.delete(e.tuple(CtDirection.ORIGINAL));
    assertThat(ct.snapshot(e)).isNull();
  }

  @Test
  void aHandedOverConnectionLeavesTheTableWithItsStateAsHandedOverAndOnlyOnce() {
    List<RemovalReason> removed = new ArrayList<>();
    ct.addRemovalListener((e, why) -> removed.add(why));
    TcpFlow f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 80);
    send(f.c(Packet.TCP_SYN));
    send(f.s(Packet.TCP_SYN | Packet.TCP_ACK));
    send(f.c(Packet.TCP_ACK));
    CtEntry e = ct.entries().get(0);
    clock.advanceSeconds(5);

    CtSnapshot s = ct.handOver(e);

    assertThat(s.tcpStateName()).isEqualTo("ESTABLISHED");
    assertThat(s.remainingMillis()).isEqualTo(432_000_000L - 5_000);
    assertThat(ct.entries()).isEmpty();
    assertThat(ct.stats().entries()).isZero();
    assertThat(removed).containsExactly(RemovalReason.HANDED_OVER);
    assertThat(ct.handOver(e)).as("a second time: gone already").isNull();
    assertThat(removed).hasSize(1);
  }
}
