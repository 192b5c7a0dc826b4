package io.statewall.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.FlowModBudget;
import io.statewall.firewall.forwarding.InstalledConnection;
import io.statewall.firewall.forwarding.TeardownTraps;
import io.statewall.firewall.forwarding.fakes.FakeAppContext;
import io.statewall.firewall.forwarding.fakes.TestFrames;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologySettings;
import io.statewall.topology.fakes.FakeSwitch;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFFlowDeleteStrict;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * A switch's flow table read back after a reconnect (kept: tracked connections; removed: the rest;
 * written: what tracked connections miss) or at its first connection after a restart (adopted: what
 * the policy would let open and carry; removed: the rest). Seed policy: 10.0.0.1 serves 22 and 80.
 */
class FlowReconcilerTest {
  static final Path SEED = Path.of("..", "examples", "seed.yaml");
  static final int PRIORITY = FirewallSettings.DEFAULTS.priority();

  private final FakeAppContext ctx = new FakeAppContext();
  private final ShardedConnTracker tracker = new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of());
  private final FakeSwitch sw = FakeSwitch.of13(1, 1, 2);
  private FirewallApp app;
  private FlowReconciler reconciler;
  private OFFactory f;

  @BeforeEach
  void setUp() throws Exception {
    TopologyApp topology = TopologyApp.create(TopologySettings.DEFAULTS);
    topology.start(ctx);
    app = FirewallApp.standalone(new FirewallParts.Inputs(new PolicyHolder(new PolicyLoader().load(SEED)), tracker,
        topology.service(), FirewallSettings.DEFAULTS, Firewall.DecisionListener.NONE, FlowModBudget.defaults()));
    app.start(ctx);
    ctx.connect(sw);
    sw.clear();
    reconciler = app.reconciler();
    f = sw.factory();
  }

  /** host 4 (port 2) to host 1 (port 1) on TCP {@code sport -> dport}: the client's direction. */
  private static ExactMatch client(int sport, int dport) {
    return new ExactMatch(Packet.ETH_IPV4, TestFrames.mac(4), TestFrames.mac(1), -1, IPv4Address.of("10.0.0.4"),
        IPv4Address.of("10.0.0.1"), Packet.PROTO_TCP, sport, dport, -1, -1);
  }

  /** An entry as the programmer writes it where its direction enters (both do on this one switch). */
  private OFFlowStatsEntry entry(ExactMatch m, int in, int out, U64 cookie) {
    return f.buildFlowStatsEntry().setTableId(TableId.ZERO).setPriority(PRIORITY).setCookie(cookie)
        .setMatch(TeardownTraps.entryMatch(f, OFPort.of(in), m, true).orElseThrow())
        .setInstructions(List.of(f.instructions().applyActions(List.of(f.actions().output(OFPort.of(out), 0xFFFF)))))
        .build();
  }

  /** Both directions' entries of a connection between port 2 (client) and port 1 (server), reply first. */
  private List<OFFlowStatsEntry> connection(ExactMatch c) {
    U64 cookie = ConnectionCookie.of(c);
    List<OFFlowStatsEntry> out = new ArrayList<>();
    out.add(entry(c.reverse().orElseThrow(), 1, 2, cookie));
    out.add(entry(c, 2, 1, cookie));
    for (OFMessage m : new TeardownTraps(PRIORITY).traps(f, OFPort.of(2), c, cookie)) {
      out.add(asStats((OFFlowAdd) m));
    }
    return out;
  }

  private OFFlowStatsEntry asStats(OFFlowAdd add) {
    return f.buildFlowStatsEntry().setTableId(TableId.ZERO).setPriority(add.getPriority()).setCookie(add.getCookie())
        .setMatch(add.getMatch()).setInstructions(add.getInstructions()).build();
  }

  private OFFlowStatsEntry tableMiss() {
    return f.buildFlowStatsEntry().setTableId(TableId.ZERO).setPriority(0).setMatch(f.matchWildcardAll())
        .setInstructions(List.of(f.instructions().applyActions(List.of(f.actions().output(OFPort.CONTROLLER, 0xFFFF)))))
        .build();
  }

  private OFFlowStatsEntry foreign() {
    return f.buildFlowStatsEntry().setTableId(TableId.ZERO).setPriority(50).setCookie(U64.of(0x1234))
        .setMatch(f.buildMatch().setExact(org.projectfloodlight.openflow.protocol.match.MatchField.ETH_TYPE,
            EthType.IPv4).build())
        .setInstructions(List.of(f.instructions().applyActions(List.of(f.actions().output(OFPort.of(2), 0xFFFF)))))
        .build();
  }

  private FlowReconciler.Report apply(List<OFFlowStatsEntry> table, boolean adopting) {
    return reconciler.apply(sw, table, adopting, System.nanoTime());
  }

  private static List<U64> cookies(List<OFFlowDeleteStrict> deletes) {
    return deletes.stream().map(OFFlowDeleteStrict::getCookie).toList();
  }

  @Test
  void restartAdoptsAnAcceptedConnectionAsEstablishedWithTheClientAsOriginal() {
    ExactMatch ssh = client(40000, 22);
    List<OFFlowStatsEntry> table = new ArrayList<>(connection(ssh));
    table.add(tableMiss());

    FlowReconciler.Report r = apply(table, true);

    assertThat(r.adopted()).isEqualTo(1);
    assertThat(r.kept()).as("two entries and the trap where the connection entered").isEqualTo(3);
    assertThat(r.deleted()).isZero();
    assertThat(sw.written()).as("nothing to change").isEmpty();
    CtEntry e = tracker.entries().get(0);
    assertThat(e.tuple(CtDirection.ORIGINAL)).isEqualTo(CtTuple.ports("10.0.0.4", "10.0.0.1", Packet.PROTO_TCP, 40000, 22));
    assertThat(e.tcpStateName()).isEqualTo("ESTABLISHED");
    assertThat(e.hasStatus(CtEntry.SEEN_REPLY) && e.hasStatus(CtEntry.ASSURED)).isTrue();
    assertThat(app.offloads().entry(ConnectionCookie.of(ssh))).containsSame(e);
    InstalledConnection c = app.installed().get(ConnectionCookie.of(ssh)).orElseThrow();
    assertThat(c.original()).isEqualTo(ssh);
    assertThat(c.src()).isEqualTo(Attachment.of(1, 2));
    assertThat(c.dst()).isEqualTo(Attachment.of(1, 1));
    assertThat(c.directions()).containsExactlyInAnyOrder(CtDirection.ORIGINAL, CtDirection.REPLY);
  }

  @Test
  void restartRefusesAndDeletesAConnectionThePolicyWouldNotLetOpen() {
    ExactMatch telnet = client(40001, 23);
    List<OFFlowStatsEntry> table = connection(telnet);

    FlowReconciler.Report r = apply(table, true);

    assertThat(r.adopted()).isZero();
    assertThat(r.refused()).isEqualTo(1);
    assertThat(r.deleted()).isEqualTo(3);
    assertThat(tracker.entries()).isEmpty();
    assertThat(app.offloads().size()).isZero();
    assertThat(cookies(sw.flowDeletes())).containsOnly(ConnectionCookie.of(telnet)).hasSize(3);
  }

  @Test
  void theMeteredPerPortTableMissEntriesAreKeptAtRestartAndReconnect() {
    OFFlowStatsEntry perPort = f.buildFlowStatsEntry().setTableId(TableId.ZERO).setPriority(1)
        .setCookie(U64.of(io.statewall.firewall.guard.TableMissMeters.COOKIE_TAG | 7))
        .setMatch(f.buildMatch().setExact(org.projectfloodlight.openflow.protocol.match.MatchField.IN_PORT,
            OFPort.of(2)).build())
        .setInstructions(List.of(f.instructions().applyActions(List.of(f.actions().output(OFPort.CONTROLLER, 0xFFFF)))))
        .build();

    assertThat(apply(List.of(tableMiss(), perPort), true).deleted()).isZero();
    assertThat(apply(List.of(tableMiss(), perPort), false).deleted()).isZero();
    assertThat(sw.flowDeletes()).isEmpty();
  }

  @Test
  void restartDeletesForeignEntriesDropEntriesAndCookieLookAlikesButNotTheTableMiss() {
    ExactMatch ssh = client(40000, 22);
    OFFlowStatsEntry forged = entry(client(40002, 22), 2, 1, ConnectionCookie.of(ssh)); // another's cookie
    OFFlowStatsEntry drop = f.buildFlowStatsEntry().setTableId(TableId.ZERO).setPriority(PRIORITY)
        .setCookie(ConnectionCookie.of(client(40003, 23))).setHardTimeout(5)
        .setMatch(client(40003, 23).toMatch(f, OFPort.of(2)).orElseThrow()).setInstructions(List.of()).build();

    FlowReconciler.Report r = apply(List.of(tableMiss(), foreign(), forged, drop), true);

    assertThat(r.deleted()).isEqualTo(3);
    assertThat(r.adopted()).isZero();
    assertThat(sw.flowDeletes()).hasSize(3).noneMatch(d -> d.getPriority() == 0);
    assertThat(sw.flowDeletes()).anySatisfy(d -> assertThat(d.getCookie()).isEqualTo(U64.of(0x1234)));
    assertThat(tracker.entries()).isEmpty();
  }

  @Test
  void aStricterPolicyAtRestartRefusesWhatTheOldOneCarried() throws Exception {
    ExactMatch http = client(40000, 80);
    String noHttp = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n"
        + "-A INPUT -p tcp --dport 22 -m state --state NEW,ESTABLISHED -j ACCEPT\n"
        + "-A OUTPUT -p tcp -m state --state ESTABLISHED -j ACCEPT\nCOMMIT\n";
    Path dir = java.nio.file.Files.createTempDirectory("reconcile");
    java.nio.file.Files.writeString(dir.resolve("s.rules"), noHttp);
    Path policy = java.nio.file.Files.writeString(dir.resolve("p.yaml"),
        "hosts:\n  - address: 10.0.0.1\n    rules: s.rules\n");
    app.policies().replace(new PolicyLoader().load(policy));

    FlowReconciler.Report r = apply(connection(http), true);

    assertThat(r.refused()).isEqualTo(1);
    assertThat(tracker.entries()).isEmpty();
    assertThat(sw.flowDeletes()).hasSize(3);
  }

  /**
   * A switch still holding what statewall wrote before session 10 (plain entries, three traps one
   * above the entry where the connection entered): the connection is adopted and everything kept.
   */
  @Test
  void aTableWrittenBeforeTheTrapsMovedBelowIsAdoptedWhole() {
    ExactMatch ssh = client(40000, 22);
    U64 cookie = ConnectionCookie.of(ssh);
    List<OFFlowStatsEntry> table = new ArrayList<>();
    for (ExactMatch m : List.of(ssh.reverse().orElseThrow(), ssh)) {
      int in = m == ssh ? 2 : 1;
      table.add(f.buildFlowStatsEntry().setTableId(TableId.ZERO).setPriority(PRIORITY).setCookie(cookie)
          .setMatch(m.toMatch(f, OFPort.of(in)).orElseThrow())
          .setInstructions(List.of(f.instructions().applyActions(List.of(f.actions().output(OFPort.of(3 - in), 0xFFFF)))))
          .build());
    }
    for (int flag : new int[] {0x01, 0x02, 0x04}) {
      table.add(f.buildFlowStatsEntry().setTableId(TableId.ZERO).setPriority(PRIORITY + 1).setCookie(cookie)
          .setMatch(ssh.withTcpFlag(f, OFPort.of(2), flag))
          .setInstructions(List.of(f.instructions().applyActions(List.of(f.actions().output(OFPort.CONTROLLER, 0xFFFF)))))
          .build());
    }

    FlowReconciler.Report r = apply(table, true);

    assertThat(r.adopted()).isEqualTo(1);
    assertThat(r.kept()).isEqualTo(5);
    assertThat(r.deleted()).isZero();
    assertThat(sw.written()).as("nothing to change").isEmpty();
  }

  @Test
  void reconnectKeepsTrackedConnectionsDeletesUntrackedOnesAndWritesBackMissingEntries() {
    ExactMatch ssh = client(40000, 22);
    apply(connection(ssh), true); // tracked now, as if its packets had been offloaded
    sw.clear();
    List<OFFlowStatsEntry> table = new ArrayList<>(connection(ssh));
    table.remove(0); // the reply direction's entry idled out while the switch was away
    table.addAll(connection(client(40005, 22))); // not tracked: never adopted on a reconnect
    table.add(foreign());

    FlowReconciler.Report r = apply(table, false);

    assertThat(r.adopting()).isFalse();
    assertThat(r.kept()).isEqualTo(2);
    assertThat(r.adopted()).isZero();
    assertThat(r.deleted()).isEqualTo(3 + 1);
    assertThat(r.reinstalled()).isEqualTo(1);
    assertThat(sw.flowAdds()).singleElement().satisfies(add -> {
      assertThat(add.getCookie()).isEqualTo(ConnectionCookie.of(ssh));
      assertThat(add.getMatch()).isEqualTo(TeardownTraps.entryMatch(f, OFPort.of(1), ssh.reverse().orElseThrow(), true).orElseThrow());
    });
    assertThat(tracker.entries()).hasSize(1);
  }

  @Test
  void entriesOfAConnectionAnotherMemberOwnsAreKeptNeitherAdoptedNorDeleted() {
    ExactMatch ssh = client(40000, 22);
    ExactMatch other = client(40001, 22);
    reconciler.keepOwnedElsewhere(cookie -> cookie.equals(ConnectionCookie.of(ssh)));
    List<OFFlowStatsEntry> table = new ArrayList<>(connection(ssh));
    table.addAll(connection(other));

    FlowReconciler.Report r = apply(table, true);

    assertThat(r.kept()).as("the other member's three, and the three of the one adopted here").isEqualTo(6);
    assertThat(r.adopted()).as("only the connection nobody else owns").isEqualTo(1);
    assertThat(r.deleted()).isZero();
    assertThat(app.offloads().entry(ConnectionCookie.of(ssh))).isEmpty();
    assertThat(tracker.entries()).singleElement()
        .satisfies(e -> assertThat(e.tuple(CtDirection.ORIGINAL).srcPort()).isEqualTo(40001));
  }

  @Test
  void aConnectionConntrackForgotLosesItsEntriesOnReconnect() {
    ExactMatch ssh = client(40000, 22);
    apply(connection(ssh), true);
    tracker.flush();
    sw.clear();

    FlowReconciler.Report r = apply(connection(ssh), false);

    assertThat(r.kept()).isZero();
    assertThat(r.deleted()).isEqualTo(3);
    assertThat(r.reinstalled()).isZero();
  }

  @Test
  void theFirstReadyOfASwitchAdoptsAfterTheSettleDelayAndALaterOneReconcilesAtOnce() {
    // a switch this controller has not seen yet (setUp's was connected at start)
    TableSwitch table = new TableSwitch(FakeSwitch.of13(9, 1, 2), connection(client(40000, 22)));

    reconciler.switchReady(table);
    assertThat(reconciler.reports()).as("adoption waits for discovery").isEmpty();
    ctx.fakeScheduler().runAll();
    assertThat(reconciler.reports()).singleElement().satisfies(r -> {
      assertThat(r.adopting()).isTrue();
      assertThat(r.adopted()).isEqualTo(1);
    });

    reconciler.switchReady(table);
    assertThat(reconciler.reports()).hasSize(2).last().satisfies(r -> {
      assertThat(r.adopting()).isFalse();
      assertThat(r.kept()).isEqualTo(3);
    });
  }

  @Test
  void aSwitchThatReconnectsBeforeItsFirstAdoptionStillAdopts() {
    // setUp's switch connected at start; its adoption is pending (FakeSwitch cannot answer stats)
    TableSwitch back = new TableSwitch(FakeSwitch.of13(1, 1, 2), connection(client(40000, 22)));

    reconciler.switchReady(back);
    ctx.fakeScheduler().runAll();

    assertThat(reconciler.reports()).singleElement().satisfies(r -> {
      assertThat(r.adopting()).isTrue();
      assertThat(r.adopted()).isEqualTo(1);
    });
  }

  @Test
  void aConnectionThePolicyLetsOpenButNotOffloadStaysTrackedWithoutEntries() throws Exception {
    String logged = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n"
        + "-A INPUT -p tcp --dport 22 -j LOG --log-prefix ssh\n"
        + "-A INPUT -p tcp --dport 22 -m state --state NEW,ESTABLISHED -j ACCEPT\n"
        + "-A OUTPUT -p tcp -m state --state ESTABLISHED -j ACCEPT\nCOMMIT\n";
    Path dir = java.nio.file.Files.createTempDirectory("reconcile");
    java.nio.file.Files.writeString(dir.resolve("s.rules"), logged);
    Path policy = java.nio.file.Files.writeString(dir.resolve("p.yaml"),
        "hosts:\n  - address: 10.0.0.1\n    rules: s.rules\n");
    app.policies().replace(new PolicyLoader().load(policy));

    FlowReconciler.Report r = apply(connection(client(40000, 22)), true);

    assertThat(r.refused()).as("not carried by the switches: every packet is logged").isEqualTo(1);
    assertThat(sw.flowDeletes()).hasSize(3);
    assertThat(tracker.entries()).as("it may open, so it stays tracked").singleElement()
        .satisfies(e -> assertThat(e.tcpStateName()).isEqualTo("ESTABLISHED"));
    assertThat(app.offloads().size()).isZero();
  }

  /** A fake switch whose flow table (for stats requests) is given. */
  private static final class TableSwitch implements io.statewall.controller.switches.SwitchHandle {
    private final FakeSwitch sw;
    private final List<OFFlowStatsEntry> table;

    TableSwitch(FakeSwitch sw, List<OFFlowStatsEntry> table) {
      this.sw = sw;
      this.table = table;
    }

    @Override public org.projectfloodlight.openflow.types.DatapathId id() { return sw.id(); }
    @Override public org.projectfloodlight.openflow.protocol.OFVersion version() { return sw.version(); }
    @Override public OFFactory factory() { return sw.factory(); }
    @Override public org.projectfloodlight.openflow.protocol.OFFeaturesReply features() { return sw.features(); }
    @Override public java.util.Collection<org.projectfloodlight.openflow.protocol.OFPortDesc> ports() { return sw.ports(); }
    @Override public java.util.Optional<org.projectfloodlight.openflow.protocol.OFPortDesc> port(OFPort n) { return sw.port(n); }
    @Override public boolean isConnected() { return true; }
    @Override public boolean isReady() { return true; }
    @Override public boolean isWritable() { return true; }
    @Override public java.util.concurrent.CompletableFuture<Void> whenWritable() { return sw.whenWritable(); }
    @Override public void write(OFMessage m) { sw.write(m); }
    @Override public void write(Iterable<? extends OFMessage> ms) { sw.write(ms); }
    @Override public <R extends OFMessage> java.util.concurrent.CompletableFuture<R> request(
        org.projectfloodlight.openflow.protocol.OFRequest<R> r) { return sw.request(r); }
    @Override public java.util.concurrent.CompletableFuture<org.projectfloodlight.openflow.protocol.OFBarrierReply> barrier() {
      return sw.barrier();
    }
    @Override public void disconnect() { sw.disconnect(); }

    @SuppressWarnings("unchecked")
    @Override
    public <R extends org.projectfloodlight.openflow.protocol.OFStatsReply> java.util.concurrent.CompletableFuture<List<R>>
        requestStats(org.projectfloodlight.openflow.protocol.OFStatsRequest<R> request) {
      R reply = (R) sw.factory().buildFlowStatsReply().setEntries(table).build();
      return java.util.concurrent.CompletableFuture.completedFuture(List.of(reply));
    }
  }
}
