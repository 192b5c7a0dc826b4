package io.statewall.apps.main;

import static io.statewall.apps.main.ClusterTestMembers.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.apps.main.ClusterTestMembers.Member;
import io.statewall.cluster.Rendezvous;
import io.statewall.topology.Attachment;
import io.statewall.cluster.replication.ConntrackReplicator;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.operator.cli.NetworkCommands;
import io.statewall.topology.Link;
import io.statewall.topology.TopologyService;
import io.statewall.topology.share.TopologyShare;
import io.statewall.topology.share.TopologyShareCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFFlowModCommand;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.U64;
import org.projectfloodlight.openflow.types.OFPort;
import picocli.CommandLine;

/**
 * Three members (the real composition root of {@code run --cluster}, in one JVM), mastership per switch,
 * and two role-enforcing switches cabled to each other (port 2 to port 2; port 1 faces hosts) whose
 * masters differ: what the cluster learns of the network and serves across it.
 */
class ClusterTopologyRunTest {
  private static final List<String> IDS = List.of("A", "B", "C");

  @TempDir Path dir;

  private final String clusterName = "statewall-topology-test-" + UUID.randomUUID();
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final List<RoleSwitch> switches = new ArrayList<>();
  private long dpid1;
  private long dpid2;
  private String master1;
  private String master2;

  @AfterEach
  void stop() throws Exception {
    for (RoleSwitch s : switches) {
      s.close();
    }
    members.values().forEach(m -> m.controller().close());
  }

  /** Three members, two cabled switches, each switch mastered by its rendezvous winner (two different members). */
  private void twoSwitchesOfTwoMasters() throws Exception {
    Files.writeString(dir.resolve("servers.rules"), ClusterTestMembers.SSH_SERVER_RULES);
    Path policy = Files.writeString(dir.resolve("policy.yaml"), "hosts:\n  - address: 10.0.0.1\n    rules: servers.rules\n");
    for (String id : IDS) {
      members.put(id, new ClusterTestMembers.Cluster(clusterName, IDS, 47950, dir).start(id, policy));
    }
    await("every member is ready", () -> members.values().stream().allMatch(m ->
        m.cluster().ready() && m.cluster().member().state().view().ready().keySet().containsAll(IDS)));
    dpid1 = 1;
    master1 = Rendezvous.winner(dpid1, IDS).orElseThrow();
    // s2's master differs from s1's, and s2's heir if its master goes is the third member, not s1's master
    // (so the heir holds the connection only as the owner's replica)
    dpid2 = 2;
    while (!secondSwitch(dpid2)) {
      dpid2++;
    }
    master2 = Rendezvous.winner(dpid2, IDS).orElseThrow();
    RoleSwitch s1 = new RoleSwitch(dpid1, 1, 2, 3);
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
    // the first member to declare a switch got it; a rebalance puts each at its rendezvous winner
    members.get("A").cluster().member().rebalance().get(10, TimeUnit.SECONDS);
    await(master1 + " masters " + dpid1 + " and " + master2 + " masters " + dpid2 + ", as the switches confirmed",
        () -> s1.master().equals(Optional.of(master1)) && s2.master().equals(Optional.of(master2))
            && members.get(master1).fencedAsMaster(dpid1) && members.get(master2).fencedAsMaster(dpid2));
  }

  private boolean secondSwitch(long dpid) {
    String winner = Rendezvous.winner(dpid, IDS).orElseThrow();
    if (winner.equals(master1)) {
      return false;
    }
    List<String> rest = IDS.stream().filter(id -> !id.equals(winner)).toList();
    return !Rendezvous.winner(dpid, rest).orElseThrow().equals(master1);
  }

  private TopologyService topology(String member) {
    return members.get(member).assembler().topology().service();
  }

  @Test
  void theMasterOfEachEndVerifiesTheProbesTheOtherMasterSent() throws Exception {
    twoSwitchesOfTwoMasters();
    // one LLDP key for the cluster: a probe master1 sent out of s1/2 verifies at master2, who got it from s2/2
    await(master2 + " verified " + master1 + "'s probe at s2/2, and " + master1 + " the answer at s1/2", () ->
        topology(master2).isInterSwitchPort(at(1, 2)) && topology(master1).isInterSwitchPort(at(0, 2)));
    assertThat(members.values()).allSatisfy(m ->
        assertThat(m.cluster().member().state().view().lldpKey()).isEqualTo(members.get("A").cluster().member()
            .state().view().lldpKey()).isPresent());
  }

  private static final long CLIENT_MAC = 0x0200_0000_0009L;
  private static final long SERVER_MAC = 0x0200_0000_0001L;

  /** The member that masters neither switch. */
  private String third() {
    return IDS.stream().filter(id -> !id.equals(master1) && !id.equals(master2)).findFirst().orElseThrow();
  }

  private Attachment at(int sw, int port) {
    return new Attachment(switches.get(sw).dpid, OFPort.of(port));
  }

  /** The client 10.0.0.9 behind s1/1 and the server 10.0.0.1 behind s2/1 each send a frame, to their switch's master. */
  private void hostsSpeak() throws Exception {
    switches.get(0).packetIn(master1, FrameBuilder.ip("10.0.0.9", "10.0.0.1").macs(CLIENT_MAC, SERVER_MAC)
        .udp(5000, 53).build(), 1);
    switches.get(1).packetIn(master2, FrameBuilder.ip("10.0.0.1", "10.0.0.9").macs(SERVER_MAC, CLIENT_MAC)
        .udp(53, 5000).build(), 1);
  }

  private boolean seesAll(String member) {
    TopologyService t = topology(member);
    return t.links().contains(Link.between(at(0, 2), at(1, 2)))
        && t.host(MacAddress.of(CLIENT_MAC)).filter(h -> h.attachment().equals(at(0, 1))).isPresent()
        && t.host(MacAddress.of(SERVER_MAC)).filter(h -> h.attachment().equals(at(1, 1))).isPresent()
        && t.path(at(0, 1), at(1, 1)).isPresent();
  }

  private String cli(String member, Object command) {
    StringWriter out = new StringWriter();
    CommandLine line = new CommandLine(command);
    line.setOut(new PrintWriter(out));
    assertThat(line.execute("--api", "127.0.0.1:" + members.get(member).api().getPort(), "--api-token-file",
        dir.resolve("token-" + member).toString())).isZero();
    return out.toString();
  }

  @Test
  void everyMemberSeesTheLinkAndBothHostsThoughEachMasterLearnedOnlyFromItsOwnSwitch() throws Exception {
    twoSwitchesOfTwoMasters();
    hostsSpeak();
    await("every member has the link, both hosts and a path from s1/1 to s2/1", () ->
        IDS.stream().allMatch(this::seesAll));
    // each learned only from the switch it masters: the merged view is the others' shares, not its own sight
    assertThat(members.get(master1).assembler().topology().manager().localShare().hosts())
        .extracting(h -> h.attachment()).containsExactly(at(0, 1));
    assertThat(members.get(master2).assembler().topology().manager().localShare().hosts())
        .extracting(h -> h.attachment()).containsExactly(at(1, 1));
    // (the third may hold half-links from a moment's mastership before the rebalance: they expire)
    assertThat(members.get(third()).assembler().topology().manager().localShare().hosts()).isEmpty();
    // statewall links and hosts, asked of the member that masters neither switch, show all of it
    String links = cli(third(), new NetworkCommands.Links());
    assertThat(links.lines().count()).as("a header and the one link: %s", links).isEqualTo(2);
    String hosts = cli(third(), new NetworkCommands.Hosts());
    assertThat(hosts).contains("02:00:00:00:00:09", "02:00:00:00:00:01", "10.0.0.9", "10.0.0.1");

    // a peer's malformed share is refused and counted; nothing of it is merged and nothing stops
    byte[] hostile = TopologyShareCodec.encode(TopologyShare.EMPTY);
    hostile[3] = 0x7f; // a half-link count of about two billion
    members.get(master1).cluster().replicator().sendSideband(null, hostile);
    await("the others refused it", () -> members.get(third()).cluster().topologySharing().refused() >= 1
        && members.get(master2).cluster().topologySharing().refused() >= 1);
    assertThat(seesAll(third())).isTrue();

    // master2 leaves: the others keep its share (until it is stale) once it is out of their view, so s2's
    // heir knows the server at s2/1 at once (no flood of its next connection's first packet), and the link
    // stays up while the heir learns its half there itself
    String gone = master2;
    members.remove(gone).controller().close();
    await("every survivor has " + gone + " out of its view, its share kept", () -> members.values().stream()
        .allMatch(m -> m.cluster().topologySharing().departed().contains(gone)));
    for (String id : members.keySet()) {
      assertThat(members.get(id).assembler().topology().manager().merged()).as("%s's merged shares", id).contains(gone);
      assertThat(topology(id).host(MacAddress.of(SERVER_MAC))).as("the server as %s knows it", id)
          .hasValueSatisfying(h -> assertThat(h.attachment()).isEqualTo(at(1, 1)));
    }
    await("every survivor sees the link through s2's heir", () ->
        members.keySet().stream().allMatch(id -> topology(id).links().contains(Link.between(at(0, 2), at(1, 2)))));
  }

  /** A TCP segment between the client 10.0.0.9:{@code port} and the server 10.0.0.1:22. */
  private static byte[] segment(boolean fromClient, int port, int flags, long seq, long ack) {
    return fromClient
        ? FrameBuilder.ip("10.0.0.9", "10.0.0.1").macs(CLIENT_MAC, SERVER_MAC).tcp(port, 22, flags).seq(seq).ack(ack).build()
        : FrameBuilder.ip("10.0.0.1", "10.0.0.9").macs(SERVER_MAC, CLIENT_MAC).tcp(22, port, flags).seq(seq).ack(ack).build();
  }

  /** Waits for {@code condition} checking every 50 µs (a timing), up to the tests' bound. */
  private static void spinUntil(java.util.function.BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + ClusterTestMembers.TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new java.util.concurrent.TimeoutException("not within " + ClusterTestMembers.TIMEOUT);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000);
    }
  }

  /** Whether {@code sw} took a packet-out from {@code member} whose frame is {@code frame}. */
  private static boolean sent(RoleSwitch sw, String member, byte[] frame) {
    return sw.packetOuts().stream().anyMatch(w -> w.member().equals(member)
        && java.util.Arrays.equals(w.packetOut().getData(), frame));
  }

  /** Connection entries (statewall's cookie) {@code sw} took from {@code member}, by cookie. */
  private static Set<U64> entries(RoleSwitch sw, String member) {
    Set<U64> cookies = new HashSet<>();
    sw.flowMods().stream().filter(w -> w.member().equals(member) && w.flowMod().getCommand() == OFFlowModCommand.ADD
        && ConnectionCookie.isOurs(w.flowMod().getCookie())).forEach(w -> cookies.add(w.flowMod().getCookie()));
    return cookies;
  }

  /** The cookie {@code m}'s offload table has for the connection from client port {@code port}, or null. */
  private static U64 cookie(Member m, int port) {
    var offloads = m.assembler().firewall().offloads();
    return offloads.entries().stream().filter(e -> e.tuple(io.statewall.netfilter.conntrack.CtDirection.ORIGINAL)
        .srcPort() == port).findFirst().flatMap(offloads::cookie).orElse(null);
  }

  @Test
  void aConnectionAcrossSwitchesOfTwoMastersIsSetUpAndEachSwitchGetsItsEntriesFromItsOwnMaster() throws Exception {
    twoSwitchesOfTwoMasters();
    hostsSpeak();
    await(master1 + " knows the server's place and a path to it", () -> seesAll(master1) && seesAll(master2));
    RoleSwitch s1 = switches.get(0);
    RoleSwitch s2 = switches.get(1);
    Member owner = members.get(master1);

    // the SYN enters at s1: master1 owns it; its far-end packet-out at s2 is written by s2's master
    byte[] syn = segment(true, 40000, Packet.TCP_SYN, 1000, 0);
    s1.packetIn(master1, syn, 1);
    await("s2 sent the SYN out to the server, as " + master2 + " wrote it", () -> sent(s2, master2, syn));
    assertThat(owner.cluster().crossSwitch().writesRelayed()).isPositive();
    // the connection's replica went ahead of the write on the same channel: the master of s2 knows its owner
    await(master2 + " holds " + master1 + "'s replica", () -> members.get(master2).cluster().replicator()
        .replicasOf(master1).stream().anyMatch(r -> r.original().srcPort() == 40000));

    // the SYN-ACK enters at s2, whose master hands it to the owner; the owner judges it a reply (the
    // policy lets the server answer only ESTABLISHED) and sends it out at s1 itself
    byte[] synAck = segment(false, 40000, Packet.TCP_SYN | Packet.TCP_ACK, 5000, 1001);
    s2.packetIn(master2, synAck, 1);
    await("s1 sent the SYN-ACK out to the client, as " + master1 + " wrote it", () -> sent(s1, master1, synAck));
    assertThat(members.get(master2).cluster().crossSwitch().packetInsRelayed()).isPositive();
    assertThat(members.get(master2).tcpState(40000)).as("the connection stays the owner's alone").isNull();

    // the handshake's last ACK: ESTABLISHED, offloaded both ways, each switch's entries from its own master
    byte[] ackFrame = segment(true, 40000, Packet.TCP_ACK, 1001, 5001);
    s1.packetIn(master1, ackFrame, 1);
    await(master1 + " tracks it ESTABLISHED", () -> "ESTABLISHED".equals(owner.tcpState(40000)));
    await(master1 + " offloaded it", () -> cookie(owner, 40000) != null);
    U64 cookie = cookie(owner, 40000);
    await("both switches carry the connection's entries, each written by its own master", () ->
        entries(s1, master1).contains(cookie) && entries(s2, master2).contains(cookie));
    assertThat(entries(s2, master1)).as("nothing reached s2 from a member that is not its master").isEmpty();
    assertThat(entries(s1, master2)).isEmpty();
    for (RoleSwitch sw : switches) {
      assertThat(sw.writes()).as("writes to %s", sw.dpid)
          .allSatisfy(w -> assertThat(w.role()).as("%s's %s", w.member(), w.type()).isNotEqualTo(OFControllerRole.ROLE_SLAVE));
    }
    assertThat(members.get(master2).cluster().crossSwitch().refused()).isEmpty();

    // a figure: how long each relay takes in one JVM (SYN in at s1 to its packet-out at s2 through s2's
    // master; SYN-ACK in at s2 to its packet-out at s1 through the owner), 20 connections
    List<Long> forward = new ArrayList<>();
    List<Long> back = new ArrayList<>();
    for (int port = 41000; port < 41020; port++) {
      byte[] open = segment(true, port, Packet.TCP_SYN, 1000, 0);
      long t0 = System.nanoTime();
      s1.packetIn(master1, open, 1);
      spinUntil(() -> sent(s2, master2, open));
      forward.add(System.nanoTime() - t0);
      byte[] answer = segment(false, port, Packet.TCP_SYN | Packet.TCP_ACK, 5000, 1001);
      long t1 = System.nanoTime();
      s2.packetIn(master2, answer, 1);
      spinUntil(() -> sent(s1, master1, answer));
      back.add(System.nanoTime() - t1);
    }
    // the same within one master's switch: the client to a host at s1/3, no relay
    s1.packetIn(master1, FrameBuilder.ip("10.0.0.2", "10.0.0.9").macs(0x0200_0000_0002L, CLIENT_MAC).udp(53, 5000)
        .build(), 3);
    await(master1 + " knows 10.0.0.2 at s1/3", () -> topology(master1).host(MacAddress.of(0x0200_0000_0002L))
        .isPresent());
    List<Long> local = new ArrayList<>();
    for (int port = 42000; port < 42020; port++) {
      byte[] open = FrameBuilder.ip("10.0.0.9", "10.0.0.2").macs(CLIENT_MAC, 0x0200_0000_0002L)
          .tcp(port, 22, Packet.TCP_SYN).seq(1000).build();
      long t0 = System.nanoTime();
      s1.packetIn(master1, open, 1);
      spinUntil(() -> sent(s1, master1, open));
      local.add(System.nanoTime() - t0);
    }
    forward.sort(null);
    back.sort(null);
    local.sort(null);
    System.out.printf("cross-switch relay, 20 connections: SYN to the far end's packet-out median %.2f ms (max %.2f), "
        + "SYN-ACK to the near end's median %.2f ms (max %.2f); within one master's switch median %.2f ms "
        + "(max %.2f)%n", forward.get(10) / 1e6, forward.get(19) / 1e6, back.get(10) / 1e6, back.get(19) / 1e6,
        local.get(10) / 1e6, local.get(19) / 1e6);

    // the master of s2 is killed: s2 fails over to a survivor at a higher epoch, as the switch confirms;
    // its table still holds the owner's entries, which the heir's reconcile keeps as the owner's
    OFFactory f = OFFactories.getFactory(OFVersion.OF_13);
    s2.reportFlows(s2.flowMods().stream().filter(w -> w.flowMod().getCookie().equals(cookie)
        && w.flowMod().getCommand() == OFFlowModCommand.ADD).map(w -> f.buildFlowStatsEntry()
            .setTableId(w.flowMod().getTableId()).setPriority(w.flowMod().getPriority()).setCookie(cookie)
            .setMatch(w.flowMod().getMatch()).setInstructions(w.flowMod().getInstructions())
            .setIdleTimeout(w.flowMod().getIdleTimeout()).setFlags(w.flowMod().getFlags()).build()).toList());
    long epoch = members.get(third()).mastership(dpid2).epoch();
    String gone = master2;
    members.remove(gone).controller().close();
    await("s2 is mastered by a survivor at a higher epoch, as the switch confirmed", () -> {
      Optional<String> now = s2.master();
      return now.isPresent() && !now.get().equals(gone) && members.get(now.get()).fencedAsMaster(dpid2)
          && members.get(now.get()).mastership(dpid2).epoch() > epoch;
    });
    Member heir = members.get(s2.master().orElseThrow());
    await(heir.id() + " reconciled s2 as its master", () -> heir.assembler().firewall().reconciler().reports()
        .stream().anyMatch(r -> r.sw().equals(s2.dpid) && r.adopting()));
    var report = heir.assembler().firewall().reconciler().reports().stream()
        .filter(r -> r.sw().equals(s2.dpid) && r.adopting()).reduce((x, y) -> y).orElseThrow();
    assertThat(report.deleted()).as("%s", report).isZero();
    assertThat(report.adopted()).as("%s", report).isZero();
    assertThat(report.kept()).as("%s", report).isPositive();
    assertThat(s2.flowMods()).as("nobody deleted the owner's entries on s2").noneMatch(w -> w.flowMod().getCookie()
        .equals(cookie) && w.flowMod().getCommand() != OFFlowModCommand.ADD);
    if (!heir.id().equals(master1)) {
      assertThat(heir.tcpState(40000)).as("still %s's alone", master1).isNull();
    }
    assertThat(owner.tcpState(40000)).isEqualTo("ESTABLISHED");
  }

  @Test
  void aPeersWriteRequestForASwitchItDoesNotMasterOrWithAForeignCookieIsRefusedAndNothingIsWritten() throws Exception {
    twoSwitchesOfTwoMasters();
    RoleSwitch s2 = switches.get(1);
    OFFactory f = OFFactories.getFactory(OFVersion.OF_13);
    OFFlowAdd ours = f.buildFlowAdd().setCookie(U64.of(ConnectionCookie.TAG | 0x1234)).setPriority(100)
        .setMatch(f.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).build()).build();
    OFFlowAdd foreign = ours.createBuilder().setCookie(U64.of(0x1234)).build();
    ConntrackReplicator from = members.get(master1).cluster().replicator();
    // a connection's entry, but asked of the member that masters neither switch
    from.sendSideband(null, CrossSwitchRelay.encodeWrites(third(), s2.dpid, List.of(ours)));
    // asked of s2's master, with another application's cookie
    from.sendSideband(null, CrossSwitchRelay.encodeWrites(master2, s2.dpid, List.of(ours, foreign)));
    // bytes that are not a request at all
    byte[] cut = CrossSwitchRelay.encodeWrites(master2, s2.dpid, List.of(ours));
    from.sendSideband(null, java.util.Arrays.copyOf(cut, cut.length - 3));
    await("each refused what it was asked", () ->
        members.get(third()).cluster().crossSwitch().refused().getOrDefault("not master", 0L) == 1
            && members.get(master2).cluster().crossSwitch().refused().getOrDefault("foreign cookie", 0L) == 1
            && members.get(master2).cluster().crossSwitch().refused().getOrDefault("malformed", 0L) == 1);
    assertThat(s2.flowMods()).as("nothing of a refused request was written")
        .noneMatch(w -> w.flowMod().getCookie().equals(ours.getCookie()) || w.flowMod().getCookie().equals(foreign.getCookie()));
    // and a good one from the same peer still is
    from.sendSideband(null, CrossSwitchRelay.encodeWrites(master2, s2.dpid, List.of(ours)));
    await("s2's master wrote the connection's entry", () -> s2.flowMods().stream()
        .anyMatch(w -> w.member().equals(master2) && w.flowMod().getCookie().equals(ours.getCookie())));
  }
}
