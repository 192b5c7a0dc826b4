package io.statewall.it.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.statewall.controller.ChannelStats;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.SwitchHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An OVS bridge connecting with {@code ssl:}: both sides hold certificates from a CA made for the test,
 * and the switch's certificate names the datapath id it may claim (a subject alternative name
 * {@code URI:dpid:<16 hex digits>}); a bridge claiming another id with it is refused. OVS's SSL settings
 * are global to the daemon, so the test only runs when none are set, and clears its own.
 */
class OvsTlsTest {
  @TempDir Path dir;

  private void openssl(String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = "openssl";
    System.arraycopy(args, 0, command, 1, args.length);
    OvsCommands.run(command);
  }

  /** A key and a certificate for {@code name}, signed by the test CA; OpenSSL 3 writes PKCS#8 keys. */
  private void certificate(String name, String subjectAltName) throws Exception {
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve(name + ".key").toString(),
        "-out", dir.resolve(name + ".csr").toString(), "-subj", "/CN=statewall-test-" + name);
    Path ext = java.nio.file.Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + subjectAltName + "\n");
    openssl("x509", "-req", "-in", dir.resolve(name + ".csr").toString(), "-CA", dir.resolve("ca.pem").toString(),
        "-CAkey", dir.resolve("ca.key").toString(), "-CAcreateserial", "-days", "1",
        "-extfile", ext.toString(), "-out", dir.resolve(name + ".pem").toString());
  }

  private static void addBridgeWithId(String bridge, long dpid, int port) throws Exception {
    OvsCommands.run("ovs-vsctl", "--timeout=10", "add-br", bridge,
        "--", "set", "bridge", bridge, "datapath_type=netdev", "fail_mode=secure", "protocols=OpenFlow13",
        "other-config:datapath-id=" + String.format("%016x", dpid),
        "--", "set-controller", bridge, "ssl:127.0.0.1:" + port);
  }

  @Test
  void bridgeConnectsOverTls() throws Exception {
    OvsCommands.ensureRunning();
    assumeTrue(OvsCommands.run("ovs-vsctl", "--timeout=5", "get-ssl").isBlank(),
        "OVS already has SSL settings; not overwriting them");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve("ca.key").toString(),
        "-out", dir.resolve("ca.pem").toString(), "-subj", "/CN=statewall-test-ca", "-days", "1");
    long dpid = 0x5357_0000_0000_0000L | java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 32);
    long otherDpid = dpid + 1;
    certificate("controller", "DNS:localhost");
    certificate("switch", "URI:dpid:" + String.format("%016x", dpid));

    BlockingQueue<String> ready = new LinkedBlockingQueue<>();
    App recorder = new App() {
      @Override
      public String name() {
        return "tls-test-recorder";
      }

      @Override
      public void start(AppContext context) {
        context.addSwitchListener(0, new SwitchListener() {
          @Override
          public void switchReady(SwitchHandle sw) {
            ready.add(Long.toHexString(sw.id().getLong()));
          }
        });
      }
    };
    ControllerConfig config = ControllerConfig.defaults().withListen("127.0.0.1", 0).withTls(Optional.of(
        new ControllerConfig.Tls(dir.resolve("controller.pem"), dir.resolve("controller.key"), dir.resolve("ca.pem"))));
    String bridge = OvsCommands.uniqueBridgeName();
    String rogue = OvsCommands.uniqueBridgeName();
    try (Controller controller = new Controller(config, List.of(recorder))) {
      int port = controller.start().getPort();
      OvsCommands.run("ovs-vsctl", "--timeout=5", "set-ssl", dir.resolve("switch.key").toString(),
          dir.resolve("switch.pem").toString(), dir.resolve("ca.pem").toString());
      addBridgeWithId(bridge, dpid, port);

      String id = ready.poll(20, TimeUnit.SECONDS);

      assertThat(id).as("the bridge became ready over TLS").isEqualTo(Long.toHexString(dpid));
      assertThat(OvsCommands.datapathId(bridge)).isEqualTo(dpid);

      // the same certificate (OVS has one per daemon) claiming an id it does not name
      addBridgeWithId(rogue, otherDpid, port);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (controller.channelStats().refusedCount(ChannelStats.Refusal.CERTIFICATE) == 0
          && System.nanoTime() < deadline) {
        Thread.sleep(50); // polling a counter with a deadline: it has no callback
      }
      assertThat(controller.channelStats().refusedCount(ChannelStats.Refusal.CERTIFICATE)).isPositive();
      assertThat(controller.switches().get(org.projectfloodlight.openflow.types.DatapathId.of(otherDpid))).isEmpty();
      assertThat(ready.poll()).as("only the bound bridge became ready").isNull();
    } finally {
      OvsCommands.deleteBridge(bridge);
      OvsCommands.deleteBridge(rogue);
      OvsCommands.run("ovs-vsctl", "--timeout=5", "del-ssl");
    }
  }
}
