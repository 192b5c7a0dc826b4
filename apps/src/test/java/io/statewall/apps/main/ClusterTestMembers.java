package io.statewall.apps.main;

import io.statewall.cluster.ClusterConfig;
import io.statewall.cluster.Mastership;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.App;
import io.statewall.controller.launch.ApiConfig;
import io.statewall.controller.launch.ClusterOptions;
import io.statewall.controller.launch.HostPort;
import io.statewall.controller.launch.LogFormat;
import io.statewall.controller.launch.RunLimits;
import io.statewall.controller.launch.RunOptions;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtSnapshot;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.operator.api.ApiApp;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * What the tests of {@code run --cluster} share: a member made by the real composition root
 * ({@link FirewallAssembler}'s apps in a real {@link Controller} with its write fence and its API),
 * joined in one JVM through JGroups' shared loopback; and waiting for a condition.
 */
final class ClusterTestMembers {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** The servers' rule file of these tests: SSH in (NEW, ESTABLISHED), only ESTABLISHED out. */
  static final String SSH_SERVER_RULES = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT DROP [0:0]
      -A INPUT -p tcp --dport 22 -m state --state NEW,ESTABLISHED -j ACCEPT
      -A OUTPUT -p tcp -m state --state ESTABLISHED -j ACCEPT
      COMMIT
      """;

  private ClusterTestMembers() {}

  /** One running member: its assembler (for the cluster part), its controller, its OpenFlow and API addresses. */
  record Member(String id, FirewallAssembler assembler, Controller controller, InetSocketAddress openflow,
      InetSocketAddress api, String token) {
    ClusterWiring cluster() {
      return assembler.cluster().orElseThrow();
    }

    Mastership mastership(long dpid) {
      return cluster().member().state().view().mastership(dpid);
    }

    /** The TCP state of the connection from client port {@code port} to port 22 in this member's live conntrack, or null. */
    String tcpState(int port) {
      ConnTracker tracker = assembler.firewall().tracker();
      for (CtEntry e : tracker.entries()) {
        CtSnapshot s = tracker.snapshot(e);
        if (s != null && s.original().srcPort() == port && s.original().dstPort() == 22) {
          return s.tcpStateName();
        }
      }
      return null;
    }

    /** This member's fence lets it write to {@code dpid} as master at the committed epoch. */
    boolean fencedAsMaster(long dpid) {
      return cluster().fence().masterGeneration(DatapathId.of(dpid)).equals(Optional.of(mastership(dpid).epoch()));
    }
  }

  /**
   * How a test's members are made: the JGroups cluster they share, the Raft membership (each id gets the
   * peer address 127.0.0.1:{@code basePort + i}, shown by the API), the directory for API tokens.
   */
  record Cluster(String name, List<String> raft, int basePort, Path dir) {
    /** Starts member {@code id} on {@code policy}, compiling policies as {@code run} does. */
    Member start(String id, Path policy) throws Exception {
      return start(id, policy, text -> text.compile(new PolicyLoader()), wiring -> {});
    }

    /** Starts member {@code id}; {@code beforeStart} sees its cluster wiring before it joins. */
    Member start(String id, Path policy, ClusterWiring.Compiler compiler, Consumer<ClusterWiring> beforeStart)
        throws Exception {
      return start(id, policy, compiler, beforeStart, ClusterOptions.DEFAULT_MASTERSHIP);
    }

    /** As above, with {@code --cluster-mastership}. */
    Member start(String id, Path policy, ClusterWiring.Compiler compiler, Consumer<ClusterWiring> beforeStart,
        String mastership) throws Exception {
      return start(id, policy, compiler, beforeStart, mastership, InstantSource.system());
    }

    /** Starts member {@code id} on {@code policy} with its conntrack timed by {@code conntrackClock}. */
    Member start(String id, Path policy, InstantSource conntrackClock) throws Exception {
      return start(id, policy, text -> text.compile(new PolicyLoader()), wiring -> {},
          ClusterOptions.DEFAULT_MASTERSHIP, conntrackClock);
    }

    private Member start(String id, Path policy, ClusterWiring.Compiler compiler, Consumer<ClusterWiring> beforeStart,
        String mastership, InstantSource conntrackClock) throws Exception {
      List<ClusterOptions.Peer> peers = new ArrayList<>();
      for (int i = 0; i < raft.size(); i++) {
        peers.add(new ClusterOptions.Peer(raft.get(i), new HostPort("127.0.0.1", basePort + i)));
      }
      ClusterOptions options = new ClusterOptions("test", id, peers, mastership);
      FirewallAssembler assembler = new FirewallAssembler().withClusterSetup(new ClusterWiring.Setup(
          o -> ClusterConfig.inJvm(name, o.member(), o.ids()), compiler)).withConntrackClock(conntrackClock);
      ControllerConfig config = ControllerConfig.defaults().withListen("127.0.0.1", 0);
      Path token = dir.resolve("token-" + id);
      List<App> apps = assembler.assemble(new RunOptions(policy, config, ApiConfig.of("127.0.0.1:0", token),
          RunLimits.DEFAULTS, LogFormat.TEXT, Optional.of(options)));
      beforeStart.accept(assembler.cluster().orElseThrow());
      Controller controller = new Controller(config, apps, assembler.fence());
      InetSocketAddress openflow = controller.start();
      InetSocketAddress api = apps.stream().filter(a -> a instanceof ApiApp).map(a -> ((ApiApp) a).address())
          .findFirst().orElseThrow();
      return new Member(id, assembler, controller, openflow, api, Files.readString(token).strip());
    }
  }

  /** Waits up to {@link #TIMEOUT} for {@code condition}, polling every 20 ms. */
  static void await(String what, BooleanSupplier condition) throws TimeoutException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("not within " + TIMEOUT + ": " + what);
      }
      LockSupport.parkNanos(20_000_000);
    }
  }
}
