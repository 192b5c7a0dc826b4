package io.statewall.cluster;

import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.roles.RoleRequester;
import io.statewall.controller.roles.WriteFence;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * One cluster member with a controller that only takes roles (no firewall yet): for trying mastership
 * and fencing by hand on real switches (docs/cluster.md). Arguments:
 * {@code --id A --members A,B,C --bind 127.0.0.1:7800 --peers 127.0.0.1:7801,127.0.0.1:7802 --listen 127.0.0.1:6653}.
 */
public final class ClusterMemberMain {
  private ClusterMemberMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = options(args);
    String id = required(a, "id");
    List<String> members = Arrays.asList(required(a, "members").split(","));
    InetSocketAddress bind = address(required(a, "bind"));
    List<InetSocketAddress> peers = Arrays.stream(a.getOrDefault("peers", "").split(","))
        .filter(s -> !s.isBlank()).map(ClusterMemberMain::address).toList();
    InetSocketAddress listen = address(a.getOrDefault("listen", "127.0.0.1:6653"));

    ClusterConfig config = new ClusterConfig(a.getOrDefault("cluster", "statewall"), id, members,
        new ClusterConfig.Tcp(bind, peers), Optional.empty(), ClusterConfig.DEFAULT_COMMIT_TIMEOUT);
    ClusterMember member = new ClusterMember(config).start();
    WriteFence fence = new WriteFence();
    Controller controller = new Controller(
        ControllerConfig.defaults().withListen(listen.getHostString(), listen.getPort())
            .withFlowsOnConnect(ControllerConfig.FlowsOnConnect.KEEP),
        List.of(new RoleRequester(new ClusterRoles(member), fence), new SwitchReadiness(member)), Optional.of(fence));
    controller.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      controller.close();
      member.leaveAndClose(java.time.Duration.ofSeconds(3));
      stopped.countDown();
    }, "statewall-cluster-shutdown"));
    member.addListener(new ClusterListener() {
      @Override
      public void mastershipChanged(long dpid, Mastership before, Mastership after) {
        System.out.printf("dpid %016x: %s -> %s%n", dpid, before, after);
      }
    });
    stopped.await();
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value, got " + args[i]);
      }
      m.put(args[i].substring(2), args[i + 1]);
    }
    return m;
  }

  private static String required(Map<String, String> a, String key) {
    String v = a.get(key);
    if (v == null) {
      throw new IllegalArgumentException("--" + key + " is required");
    }
    return v;
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }
}
