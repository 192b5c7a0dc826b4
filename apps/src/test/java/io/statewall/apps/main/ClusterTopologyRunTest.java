package io.statewall.apps.main;

import static io.statewall.apps.main.ClusterTestMembers.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.apps.main.ClusterTestMembers.Member;
import io.statewall.cluster.Rendezvous;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        IDS.stream().allMatch(id -> m.cluster().member().state().view().ready().getOrDefault(id, java.util.Set.of())
            .containsAll(List.of(dpid1, dpid2)))));
    // the first member to declare a switch got it; a rebalance puts each at its rendezvous winner
    members.get("A").cluster().member().rebalance().get(10, TimeUnit.SECONDS);
    await(master1 + " masters " + dpid1 + " and " + master2 + " masters " + dpid2 + ", as the switches confirmed",
        () -> s1.master().equals(Optional.of(master1)) && s2.master().equals(Optional.of(master2))
            && members.get(master1).fencedAsMaster(dpid1) && members.get(master2).fencedAsMaster(dpid2));
  }

  private TopologyService topology(String member) {
    return members.get(member).assembler().topology().service();
  }

  @Test
  void theMasterOfEachEndVerifiesTheProbesTheOtherMasterSent() throws Exception {
    twoSwitchesOfTwoMasters();
    // one LLDP key for the cluster: a probe master1 sent out of s1/2 verifies at master2, who got it from s2/2
    await(master2 + " verified " + master1 + "'s probe at s2/2, and " + master1 + " the answer at s1/2", () ->
        topology(master2).isInterSwitchPort(new Attachment(switches.get(1).dpid, org.projectfloodlight.openflow.types.OFPort.of(2)))
            && topology(master1).isInterSwitchPort(new Attachment(switches.get(0).dpid,
                org.projectfloodlight.openflow.types.OFPort.of(2))));
    assertThat(members.values()).allSatisfy(m ->
        assertThat(m.cluster().member().state().view().lldpKey()).isEqualTo(members.get("A").cluster().member()
            .state().view().lldpKey()).isPresent());
  }
}
