package io.statewall.apps.main;

import static io.statewall.apps.main.ClusterTestMembers.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.apps.main.ClusterTestMembers.Member;
import io.statewall.cluster.Rendezvous;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.Offload;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtSnapshot;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowMod;
import org.projectfloodlight.openflow.protocol.OFFlowModCommand;
import org.projectfloodlight.openflow.protocol.OFFlowRemoved;
import org.projectfloodlight.openflow.protocol.OFFlowRemovedReason;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.U64;

/**
 * What the switches report of a connection's relayed entries (docs/cluster.md, "Writes on another member's
 * switch"): three members (the real composition root of {@code run --cluster}, in one JVM), mastership per
 * switch, two role-enforcing switches cabled to each other whose masters differ, and a UDP stream from a
 * server behind the far master's switch to a client behind the owner's. The far switch carries the REPLY
 * direction's ingress entry; its counters and its FLOW_REMOVED must reach the owner.
 */
class CrossSwitchRelayReportsTest {
  private static final List<String> IDS = List.of("A", "B", "C");
  private static final OFFactory F = OFFactories.getFactory(OFVersion.OF_13);
  private static final long CLIENT_MAC = 0x0200_0000_0009L;
  private static final long SERVER_MAC = 0x0200_0000_0001L;
  private static final int CLIENT_PORT = 40000;
  private static final int STREAM_PORT = 5004;
  /** The server streams to its clients (UDP 5004 in, only ESTABLISHED out). */
  private static final String STREAM_RULES = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT DROP [0:0]
      -A INPUT -p udp --dport 5004 -m state --state NEW,ESTABLISHED -j ACCEPT
      -A OUTPUT -p udp -m state --state ESTABLISHED -j ACCEPT
      COMMIT
      """;

  @TempDir Path dir;

  private final String clusterName = "statewall-reports-test-" + UUID.randomUUID();
  /** Every member's conntrack clock, moved by the test. */
  private final ManualClock clock = new ManualClock();
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final List<RoleSwitch> switches = new ArrayList<>();
  private long dpid1;
  private long dpid2;
  private String master1;
  private String master2;

  /** A clock moved by hand, read by every member's threads. */
  static final class ManualClock implements InstantSource {
    private final AtomicLong millis = new AtomicLong(1_000_000L);

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public long millis() {
      return millis.get();
    }

    void advance(long ms) {
      millis.addAndGet(ms);
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (RoleSwitch s : switches) {
      s.close();
    }
    members.values().forEach(m -> m.controller().close());
  }

  /** Three members, two cabled switches (s1/2 to s2/2), each mastered by a different member. */
  private void twoSwitchesOfTwoMasters() throws Exception {
    Files.writeString(dir.resolve("stream.rules"), STREAM_RULES);
    Path policy = Files.writeString(dir.resolve("policy.yaml"), "hosts:\n  - address: 10.0.0.1\n    rules: stream.rules\n");
    for (String id : IDS) {
      members.put(id, new ClusterTestMembers.Cluster(clusterName, IDS, 47970, dir).start(id, policy, clock));
    }
    await("every member is ready", () -> members.values().stream().allMatch(m ->
        m.cluster().ready() && m.cluster().member().state().view().ready().keySet().containsAll(IDS)));
    dpid1 = 1;
    master1 = Rendezvous.winner(dpid1, IDS).orElseThrow();
    dpid2 = 2;
    while (Rendezvous.winner(dpid2, IDS).orElseThrow().equals(master1)) {
      dpid2++;
    }
    master2 = Rendezvous.winner(dpid2, IDS).orElseThrow();
    RoleSwitch s1 = new RoleSwitch(dpid1, 1, 2);
    RoleSwitch s2 = new RoleSwitch(dpid2, 1, 2);
    s1.link(2, s2, 2);
    switches.addAll(List.of(s1, s2));
    for (RoleSwitch sw : switches) {
      for (Member m : members.values()) {
        sw.connect(m.id(), m.openflow());
      }
    }
    await("every member declared both switches", () -> members.values().stream().allMatch(m ->
        IDS.stream().allMatch(id -> m.cluster().member().state().view().ready().getOrDefault(id, Set.of())
            .containsAll(List.of(dpid1, dpid2)))));
    members.get(master1).cluster().member().rebalance().get(10, TimeUnit.SECONDS);
    await(master1 + " masters " + dpid1 + " and " + master2 + " masters " + dpid2 + ", as the switches confirmed",
        () -> s1.master().equals(Optional.of(master1)) && s2.master().equals(Optional.of(master2))
            && members.get(master1).fencedAsMaster(dpid1) && members.get(master2).fencedAsMaster(dpid2));
  }

  private String third() {
    return IDS.stream().filter(id -> !id.equals(master1) && !id.equals(master2)).findFirst().orElseThrow();
  }

  private Attachment at(int sw, int port) {
    return new Attachment(switches.get(sw).dpid, OFPort.of(port));
  }

  private TopologyService topology(String member) {
    return members.get(member).assembler().topology().service();
  }

  private static byte[] datagram(boolean fromClient) {
    return fromClient
        ? FrameBuilder.ip("10.0.0.9", "10.0.0.1").macs(CLIENT_MAC, SERVER_MAC).udp(CLIENT_PORT, STREAM_PORT).build()
        : FrameBuilder.ip("10.0.0.1", "10.0.0.9").macs(SERVER_MAC, CLIENT_MAC).udp(STREAM_PORT, CLIENT_PORT).build();
  }

  /** The owner's live conntrack entry of the stream, or null. */
  private static CtEntry stream(Member m) {
    ConnTracker tracker = m.assembler().firewall().tracker();
    return tracker.entries().stream().filter(e -> e.tuple(CtDirection.ORIGINAL).srcPort() == CLIENT_PORT)
        .findFirst().orElse(null);
  }

  private static long remaining(Member m) {
    CtEntry e = stream(m);
    CtSnapshot s = e == null ? null : m.assembler().firewall().tracker().snapshot(e);
    return s == null ? -1 : s.remainingMillis();
  }

  /** The connection entries {@code sw} took for {@code cookie}. */
  private static List<OFFlowMod> entries(RoleSwitch sw, U64 cookie) {
    return sw.flowMods().stream().map(RoleSwitch.FlowModWrite::flowMod)
        .filter(fm -> fm.getCookie().equals(cookie) && fm.getCommand() == OFFlowModCommand.ADD).toList();
  }

  /** {@code sw}'s entries of {@code cookie} as flow statistics, each having carried {@code packets}. */
  private static List<OFFlowStatsEntry> stats(RoleSwitch sw, U64 cookie, long packets) {
    return entries(sw, cookie).stream().map(fm -> F.buildFlowStatsEntry().setTableId(fm.getTableId())
        .setPriority(fm.getPriority()).setCookie(cookie).setMatch(fm.getMatch()).setInstructions(fm.getInstructions())
        .setIdleTimeout(fm.getIdleTimeout()).setFlags(fm.getFlags()).setPacketCount(U64.of(packets))
        .setByteCount(U64.of(packets * 1_000)).build()).toList();
  }

  /** {@code sw}'s entries of {@code cookie} as FLOW_REMOVED messages, idled out. */
  private static List<OFFlowRemoved> removed(RoleSwitch sw, U64 cookie) {
    return entries(sw, cookie).stream().map(fm -> F.buildFlowRemoved().setCookie(cookie).setPriority(fm.getPriority())
        .setReason(OFFlowRemovedReason.IDLE_TIMEOUT).setTableId(fm.getTableId()).setIdleTimeout(fm.getIdleTimeout())
        .setMatch(fm.getMatch()).setPacketCount(U64.of(3)).setByteCount(U64.of(3_000)).build()).toList();
  }

  /**
   * The client asks the server for its stream (at s1, owned by s1's master), the server answers (at s2,
   * relayed to the owner): the stream is tracked at the owner and offloaded both ways, each switch's entries
   * written by its own master. Returns its cookie.
   */
  private U64 streamAcrossTheTwoMasters() throws Exception {
    twoSwitchesOfTwoMasters();
    RoleSwitch s1 = switches.get(0);
    RoleSwitch s2 = switches.get(1);
    // each host speaks once, so its switch's master learns where it is
    s1.packetIn(master1, FrameBuilder.ip("10.0.0.9", "10.0.0.1").macs(CLIENT_MAC, SERVER_MAC).udp(5000, 53).build(), 1);
    s2.packetIn(master2, FrameBuilder.ip("10.0.0.1", "10.0.0.9").macs(SERVER_MAC, CLIENT_MAC).udp(53, 5000).build(), 1);
    await("the owner and s2's master have the link, both hosts and a path", () -> IDS.stream()
        .filter(id -> id.equals(master1) || id.equals(master2)).allMatch(id -> topology(id).path(at(0, 1), at(1, 1))
            .isPresent() && topology(id).host(MacAddress.of(SERVER_MAC)).isPresent()
            && topology(id).host(MacAddress.of(CLIENT_MAC)).isPresent() && topology(id).isInterSwitchPort(at(1, 2))));
    s1.packetIn(master1, datagram(true), 1);
    await(master2 + " holds " + master1 + "'s replica of the stream", () -> members.get(master2).cluster().replicator()
        .replicasOf(master1).stream().anyMatch(r -> r.original().srcPort() == CLIENT_PORT));
    s2.packetIn(master2, datagram(false), 1);
    Member owner = members.get(master1);
    await(master1 + " offloaded the stream", () -> stream(owner) != null
        && owner.assembler().firewall().offloads().cookie(stream(owner)).isPresent());
    U64 cookie = owner.assembler().firewall().offloads().cookie(stream(owner)).orElseThrow();
    await("both switches carry the stream's entries, s2's with the REPLY direction's ingress (from s2/1)", () ->
        !entries(s1, cookie).isEmpty() && entries(s2, cookie).stream().anyMatch(fm ->
            OFPort.of(1).equals(fm.getMatch().get(MatchField.IN_PORT))));
    // offloaded by the server's answer at s2, the stream still enters the network at s1, where its owner
    // is master: replicated with s2 as its ingress, s2's master took it live as the late replica of a switch
    // it had taken over from the owner (when the first placement gave s2 to the owner), a second owner
    assertThat(new FirewallReplication(owner.assembler().firewall(), topology(master1)).ingressOf(stream(owner)))
        .as("the stream's ingress as replicated").isEqualTo(dpid1);
    assertThat(members.get(master2).assembler().firewall().offloads().get(cookie))
        .as("the stream is the owner's alone").isNull();
    return cookie;
  }

  @Test
  void theFarSwitchsCountersOfARelayedEntryKeepTheOwnersStreamAlive() throws Exception {
    U64 cookie = streamAcrossTheTwoMasters();
    Member owner = members.get(master1);
    RoleSwitch s2 = switches.get(1);
    long timeout = remaining(owner);
    assertThat(timeout).isPositive();
    long replyPackets = stream(owner).packets(CtDirection.REPLY);
    // almost its whole timeout passes while the server streams (its entries carry it: no packet-in)
    clock.advance(timeout - 1_000);
    s2.reportFlows(stats(s2, cookie, 500));
    // the owner reads s2's counters itself, as a SLAVE may (s2's master has no record of the stream)
    owner.assembler().firewall().counters().poll();
    await("the owner counted s2's REPLY ingress entry: its stream's timeout starts over", () ->
        remaining(owner) > timeout - 500);
    // past the moment it would have expired: still there, as long as the switch reports traffic
    clock.advance(2_000);
    owner.assembler().firewall().tracker().collectExpired(Integer.MAX_VALUE);
    assertThat(stream(owner)).as("the stream, past its first deadline").isNotNull();
    // counted once, in the REPLY direction (s2's other entry enters from s1: not an ingress)
    assertThat(stream(owner).packets(CtDirection.REPLY)).isEqualTo(replyPackets + 500);
    assertThat(stream(owner).packets(CtDirection.ORIGINAL)).isEqualTo(1);
  }

  @Test
  void theFarSwitchsFlowRemovedOfARelayedEntryReachesTheOwnersOffloadTable() throws Exception {
    U64 cookie = streamAcrossTheTwoMasters();
    Member owner = members.get(master1);
    RoleSwitch s1 = switches.get(0);
    RoleSwitch s2 = switches.get(1);
    Offload record = owner.assembler().firewall().offloads().get(cookie);
    assertThat(record.installed()).as("the stream's entries are in the switches").isNotNull();
    long replyPackets = stream(owner).packets(CtDirection.REPLY);
    // every entry of the stream idles out; each switch tells its master only (a SLAVE gets no FLOW_REMOVED)
    List<OFFlowRemoved> far = removed(s2, cookie);
    assertThat(far).hasSizeGreaterThanOrEqualTo(2);
    for (OFFlowRemoved fr : far) {
      s2.send(master2, fr);
    }
    for (OFFlowRemoved fr : removed(s1, cookie)) {
      s1.send(master1, fr);
    }
    await("the owner's offload table knows the stream's entries are gone from both switches", () ->
        record.installed() == null);
    assertThat(members.get(master2).cluster().crossSwitch().reportsRelayed()).isEqualTo(far.size());
    assertThat(owner.cluster().crossSwitch().reportsServed()).isEqualTo(far.size());
    // the REPLY ingress entry at s2 carried 3 packets until it idled out: counted into the owner's conntrack
    assertThat(stream(owner).packets(CtDirection.REPLY)).isEqualTo(replyPackets + 3);
    assertThat(owner.assembler().firewall().offloads().get(cookie)).as("the record stays while conntrack tracks it")
        .isSameAs(record);
    assertThat(owner.cluster().crossSwitch().refused()).isEmpty();
  }

  @Test
  void aReportFromAMemberThatIsNotTheSwitchsMasterOrOfAConnectionNotOwnedOrMalformedIsRefusedWhole()
      throws Exception {
    U64 cookie = streamAcrossTheTwoMasters();
    Member owner = members.get(master1);
    RoleSwitch s1 = switches.get(0);
    RoleSwitch s2 = switches.get(1);
    long replyPackets = stream(owner).packets(CtDirection.REPLY);
    List<OFFlowRemoved> far = removed(s2, cookie);
    OFFlowRemoved notOwned = far.get(0).createBuilder().setCookie(U64.of(ConnectionCookie.TAG | 0x1234)).build();
    OFFlowRemoved foreign = far.get(0).createBuilder().setCookie(U64.of(0x1234)).build();
    var fromFarMaster = members.get(master2).cluster().replicator();
    var fromThird = members.get(third()).cluster().replicator();
    // the stream's removals at s2, but from the member that masters neither switch
    fromThird.sendSideband(null, CrossSwitchRelay.encodeReports(master1, s2.dpid, far));
    // from s2's master, but of s1, which the owner masters itself
    fromFarMaster.sendSideband(null, CrossSwitchRelay.encodeReports(master1, s1.dpid, far));
    // from s2's master, with one entry of a connection the owner does not have
    fromFarMaster.sendSideband(null, CrossSwitchRelay.encodeReports(master1, s2.dpid,
        java.util.stream.Stream.concat(far.stream(), java.util.stream.Stream.of(notOwned)).toList()));
    // another application's entry
    fromFarMaster.sendSideband(null, CrossSwitchRelay.encodeReports(master1, s2.dpid, List.of(far.get(0), foreign)));
    // a report holding something else than a FLOW_REMOVED, and one cut short
    fromFarMaster.sendSideband(null, CrossSwitchRelay.encodeReports(master1, s2.dpid, List.of(far.get(0),
        F.buildBarrierRequest().build())));
    byte[] cut = CrossSwitchRelay.encodeReports(master1, s2.dpid, far);
    fromFarMaster.sendSideband(null, java.util.Arrays.copyOf(cut, cut.length - 5));
    await("the owner refused each, saying why", () -> {
      Map<String, Long> r = owner.cluster().crossSwitch().refused();
      return r.getOrDefault("not master", 0L) == 2 && r.getOrDefault("not owned", 0L) == 1
          && r.getOrDefault("foreign cookie", 0L) == 1 && r.getOrDefault("malformed", 0L) == 2;
    });
    // nothing of a refused report was applied, not even its good messages
    assertThat(owner.cluster().crossSwitch().reportsServed()).isZero();
    assertThat(stream(owner).packets(CtDirection.REPLY)).isEqualTo(replyPackets);
    assertThat(owner.assembler().firewall().offloads().get(cookie).installed()).isNotNull();
    // and the same peer's good report still is, at once
    fromFarMaster.sendSideband(null, CrossSwitchRelay.encodeReports(master1, s2.dpid, far));
    await("the owner took s2's master's report", () -> owner.cluster().crossSwitch().reportsServed() == far.size());
    assertThat(stream(owner).packets(CtDirection.REPLY)).isEqualTo(replyPackets + 3);
  }
}
