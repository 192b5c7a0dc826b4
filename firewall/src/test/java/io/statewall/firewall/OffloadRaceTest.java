package io.statewall.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.Decision;
import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.firewall.forwarding.fakes.FakeAppContext;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.ftp.FtpHelper;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyFiles;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologySettings;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * A policy swap or a conntrack delete between a verdict and its offload (issue 17): the interleaving
 * is injected between {@link Firewall#decide} and the offload its Accept carries, as forwarding runs
 * them on a switch's thread while the API's thread swaps or deletes. No entry may be written that
 * nothing would delete, and an offload the new policy still carries goes ahead.
 */
class OffloadRaceTest {
  static final Path SEED = Path.of("..", "examples", "seed.yaml");
  static final Attachment AT = new Attachment(DatapathId.of(1), OFPort.of(1));

  private final PacketParser parser = new PacketParser();
  private final OffloadTable offloads = new OffloadTable();
  private final AtomicInteger written = new AtomicInteger();
  private ConnTracker tracker;
  private Firewall firewall;

  @BeforeEach
  void setUp() throws Exception {
    FakeAppContext ctx = new FakeAppContext();
    tracker = new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of(new FtpHelper()));
    firewall = new Firewall(new PolicyHolder(new PolicyLoader().load(SEED)), tracker,
        TopologyApp.create(TopologySettings.DEFAULTS).service(), ctx.switches(), new Firewall.Outputs(offloads, 5, Firewall.DecisionListener.NONE));
  }

  private Packet tcp(String src, String dst, int sport, int dport, int flags, long seq, long ack) {
    return parser.parse(FrameBuilder.ip(src, dst).macs(1, 2).tcp(sport, dport, flags).seq(seq).ack(ack).build());
  }

  /** An HTTP connection to the server's handshake: its last packet's Accept asks for an offload. */
  private Decision.Accept handshake() {
    firewall.decide(tcp("10.0.0.4", "10.0.0.1", 40000, 80, Packet.TCP_SYN, 100, 0), AT);
    firewall.decide(tcp("10.0.0.1", "10.0.0.4", 80, 40000, Packet.TCP_SYN | Packet.TCP_ACK, 500, 101), AT);
    Decision d = firewall.decide(tcp("10.0.0.4", "10.0.0.1", 40000, 80, Packet.TCP_ACK, 101, 501), AT);
    Decision.Accept a = (Decision.Accept) d;
    assertThat(a.install()).containsExactlyInAnyOrder(CtDirection.ORIGINAL, CtDirection.REPLY);
    assertThat(offloads.size()).isEqualTo(1);
    return a;
  }

  /** The writes forwarding would make: counted. */
  private boolean offload(Decision.Accept a) {
    return a.guard().offload(() -> {
      written.incrementAndGet();
      return true;
    });
  }

  /** A swap as FirewallApp.apply makes it: the sweep forgets (and deletes) what the new policy does not carry. */
  private void swap(Policy next) {
    firewall.replacePolicy(next, () -> {
      for (CtEntry e : offloads.entries()) {
        if (!firewall.stillCarried(next, e)) {
          offloads.forget(e);
        }
      }
    });
  }

  private static Policy closed() throws Exception {
    return new PolicyLoader().parse("closed.yaml", "hosts:\n  - address: 10.0.0.1\n    rules: closed.rules\n",
        PolicyFiles.of(Map.of("closed.rules", "*filter\n:INPUT DROP [0:0]\n:OUTPUT DROP [0:0]\nCOMMIT\n")));
  }

  @Test
  void withoutInterleavingTheOffloadIsWritten() {
    assertThat(offload(handshake())).isTrue();
    assertThat(written).hasValue(1);
    assertThat(offloads.size()).isEqualTo(1);
  }

  @Test
  void aSwapToAPolicyThatNoLongerCarriesTheConnectionBetweenVerdictAndOffloadWritesNothing() throws Exception {
    Decision.Accept a = handshake();
    swap(closed());
    assertThat(offload(a)).isFalse();
    assertThat(written).as("entries written after the sweep: nothing would ever delete them").hasValue(0);
    assertThat(offloads.size()).isZero();
  }

  @Test
  void anOffloadRecordedAfterTheSweepRanIsDroppedByItsOwnCheck() throws Exception {
    Decision.Accept a = handshake();
    // the sweep found nothing (the verdict recorded its offload just after the sweep's look)
    firewall.replacePolicy(closed(), () -> { });
    assertThat(offload(a)).isFalse();
    assertThat(written).hasValue(0);
    assertThat(offloads.size()).as("the offload the sweep missed is forgotten").isZero();
  }

  @Test
  void aSwapToAPolicyThatStillCarriesTheConnectionLetsTheOffloadGoAhead() throws Exception {
    Decision.Accept a = handshake();
    swap(new PolicyLoader().load(SEED));
    assertThat(offload(a)).isTrue();
    assertThat(written).hasValue(1);
    assertThat(offloads.size()).isEqualTo(1);
  }

  @Test
  void aConntrackDeleteBetweenVerdictAndOffloadWritesNothing() {
    Decision.Accept a = handshake();
    assertThat(tracker.delete(io.statewall.netfilter.conntrack.CtTuple.ports("10.0.0.4", "10.0.0.1", 6, 40000, 80)))
        .isEqualTo(1);
    assertThat(offload(a)).isFalse();
    assertThat(written).hasValue(0);
    assertThat(offloads.size()).isZero();
  }

  @Test
  void aFlushBetweenVerdictAndOffloadWritesNothing() {
    Decision.Accept a = handshake();
    tracker.flush();
    assertThat(offload(a)).isFalse();
    assertThat(written).hasValue(0);
  }

  @Test
  void aDeleteAfterTheOffloadFindsItRecorded() {
    Decision.Accept a = handshake();
    assertThat(offload(a)).isTrue();
    List<CtEntry> seen = new java.util.ArrayList<>();
    tracker.addRemovalListener((e, why) -> offloads.forget(e).ifPresent(c -> seen.add(e)));
    tracker.flush();
    assertThat(seen).as("the removal listener finds the offload, and deletes its entries").hasSize(1);
  }
}
