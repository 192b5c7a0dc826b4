package io.statewall.it.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.cluster.ClusterConfig;
import io.statewall.cluster.ClusterMember;
import io.statewall.cluster.ClusterRoles;
import io.statewall.cluster.Mastership;
import io.statewall.cluster.SwitchReadiness;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.roles.RoleRequester;
import io.statewall.controller.roles.WriteFence;
import io.statewall.controller.switches.SwitchErrorException;
import io.statewall.controller.switches.SwitchHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFRoleRequestFailedCode;
import org.projectfloodlight.openflow.protocol.errormsg.OFRoleRequestFailedErrorMsg;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.U64;

/**
 * Two cluster members in this JVM, each with its own controller, and one real Open vSwitch bridge that
 * lists both: the switch itself reports one master and one slave, refuses a role request of an older
 * generation, and follows the mastership when the master leaves.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class OvsClusterRolesTest {
  private record Member(ClusterMember cluster, WriteFence fence, Controller controller, int port) {}

  private final List<Member> members = new ArrayList<>();
  private String bridge;

  @BeforeEach
  void start() throws Exception {
    OvsCommands.ensureRunning();
    startCluster();
  }

  /** Two members of a new cluster (empty in-memory logs: its epochs start again at 1). */
  private void startCluster() throws Exception {
    String name = "statewall-ovs-" + UUID.randomUUID();
    for (String id : List.of("A", "B")) {
      ClusterMember cluster = new ClusterMember(ClusterConfig.inJvm(name, id, List.of("A", "B"))).start();
      WriteFence fence = new WriteFence();
      // a member keeps the flows a switch holds: the master's entries must survive another member connecting
      ControllerConfig config = ControllerConfig.defaults().withListen("127.0.0.1", 0)
          .withFlowsOnConnect(ControllerConfig.FlowsOnConnect.KEEP);
      Controller controller = new Controller(config,
          List.of(new RoleRequester(new ClusterRoles(cluster), fence), new SwitchReadiness(cluster)), Optional.of(fence));
      members.add(new Member(cluster, fence, controller, controller.start().getPort()));
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (bridge != null) {
      OvsCommands.deleteBridge(bridge);
    }
    for (Member m : members) {
      m.controller().close();
      m.cluster().close();
    }
  }

  @Test
  void theSwitchHasOneMasterRefusesAStaleGenerationAndFollowsAMove() throws Exception {
    bridge = OvsCommands.uniqueBridgeName();
    OvsCommands.run("ovs-vsctl", "--timeout=10", "add-br", bridge,
        "--", "set", "bridge", bridge, "datapath_type=netdev", "fail_mode=secure", "protocols=OpenFlow13",
        "--", "set-controller", bridge, target(members.get(0)), target(members.get(1)));
    DatapathId dpid = DatapathId.of(OvsCommands.datapathId(bridge));

    await("one member confirmed master by the switch",
        () -> members.stream().filter(m -> m.fence().mayWrite(dpid)).count() == 1);
    // the mastership may still move once while the second member becomes ready (a newcomer takes its
    // share): wait until the switch shows the roles the committed state gives now
    await("the switch reports one master and one slave, as the cluster's state says", () -> {
      Mastership now = members.get(0).cluster().state().view().mastership(dpid.getLong());
      Member m = members.stream().filter(x -> now != null && now.isMaster(x.cluster().id())).findFirst().orElse(null);
      return m != null && m.fence().mayWrite(dpid) && roles().equals(Map.of(
          target(m), "master", target(members.get(members.indexOf(m) ^ 1)), "slave"));
    });
    Mastership first = members.get(0).cluster().state().view().mastership(dpid.getLong());
    Member master = members.stream().filter(m -> first.isMaster(m.cluster().id())).findFirst().orElseThrow();
    Member slave = members.stream().filter(m -> m != master).findFirst().orElseThrow();
    assertThat(master.fence().masterGeneration(dpid)).contains(first.epoch());

    // a member whose view is behind asks with an older generation: refused by Open vSwitch itself
    SwitchHandle atSlave = slave.controller().switches().get(dpid).orElseThrow();
    assertThatThrownBy(() -> atSlave.request(atSlave.factory().buildRoleRequest()
            .setRole(OFControllerRole.ROLE_MASTER).setGenerationId(U64.of(first.epoch() - 1)).build())
        .get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(SwitchErrorException.class, e ->
            assertThat(e.error()).isInstanceOfSatisfying(OFRoleRequestFailedErrorMsg.class,
                f -> assertThat(f.getCode()).isEqualTo(OFRoleRequestFailedCode.STALE)));
    assertThat(roles().get(target(master))).isEqualTo("master");

    // the master leaves the cluster: the other member becomes master at a higher epoch
    master.cluster().leave().get(10, TimeUnit.SECONDS);
    await("the switch follows the move", () -> roles().equals(Map.of(
        target(master), "slave", target(slave), "master")));
    await("fences follow", () -> slave.fence().mayWrite(dpid) && !master.fence().mayWrite(dpid));
    assertThat(slave.fence().masterGeneration(dpid)).get().isEqualTo(first.epoch() + 1);

    // the master takes generation 1000 (as a long-lived cluster's epochs would be), then every member stops
    // and a new cluster starts with empty logs while the switch runs on: its epochs start again at 1, which
    // the switch refuses as stale until the master reads the switch's generation and commits one past it
    SwitchHandle atMaster = slave.controller().switches().get(dpid).orElseThrow();
    atMaster.request(atMaster.factory().buildRoleRequest().setRole(OFControllerRole.ROLE_MASTER)
        .setGenerationId(U64.of(1_000)).build()).get(10, TimeUnit.SECONDS);
    for (Member m : members) {
      m.controller().close();
      m.cluster().close();
    }
    members.clear();
    startCluster();
    OvsCommands.run("ovs-vsctl", "--timeout=10", "set-controller", bridge, target(members.get(0)),
        target(members.get(1)));
    await("the new cluster's master is confirmed by the switch past generation 1000", () -> members.stream()
        .anyMatch(m -> m.fence().masterGeneration(dpid).filter(g -> g > 1_000).isPresent()));
    Member heir = members.stream().filter(m -> m.fence().mayWrite(dpid)).findFirst().orElseThrow();
    assertThat(heir.fence().masterGeneration(dpid)).contains(1_001L);
    assertThat(members.get(0).cluster().state().view().mastership(dpid.getLong()).epoch()).isEqualTo(1_001);
    await("the switch reports the new cluster's master", () -> "master".equals(roles().get(target(heir))));
  }

  private static String target(Member m) {
    return "tcp:127.0.0.1:" + m.port();
  }

  /** Role by target, as Open vSwitch reports it, for this test's two controllers. */
  private Map<String, String> roles() {
    try {
      String csv = OvsCommands.run("ovs-vsctl", "--format=csv", "--data=bare", "--no-headings",
          "--columns=target,role", "list", "controller");
      Map<String, String> byTarget = new TreeMap<>();
      for (String line : csv.split("\n")) {
        String[] f = line.trim().split(",");
        if (f.length == 2 && members.stream().anyMatch(m -> target(m).equals(f[0]))) {
          byTarget.put(f[0], f[1]);
        }
      }
      return byTarget;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void await(String what, BooleanSupplier condition) {
    // Open vSwitch writes a controller's role into its database lazily (seen 4 s behind the switch's
    // own answer), later still on a loaded machine: 60 s, and the roles it showed if that was not enough
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 60 s: " + what + " (the switch shows " + roles() + ")");
      }
      LockSupport.parkNanos(20_000_000);
    }
  }
}
