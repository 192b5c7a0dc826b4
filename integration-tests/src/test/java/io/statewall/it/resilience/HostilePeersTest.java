package io.statewall.it.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.apps.main.FirewallAssembler;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.Topology;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 300 hostile OpenFlow peers (garbage, truncated and oversized messages, hello floods, packet-ins
 * before any handshake) while a real Open vSwitch keeps being served.
 */
class HostilePeersTest {
  @TempDir Path dir;

  private static byte[] header(int version, int type, int length) {
    return new byte[] {(byte) version, (byte) type, (byte) (length >>> 8), (byte) length, 0, 0, 0, 1};
  }

  /** One hostile peer's bytes, by kind. */
  private static byte[] payload(int kind, Random rnd) {
    switch (kind) {
      case 0 -> { // random bytes
        byte[] b = new byte[64 + rnd.nextInt(4096)];
        rnd.nextBytes(b);
        return b;
      }
      case 1 -> { // a header whose length is below 8: framing lost
        return header(4, 0, 3);
      }
      case 2 -> { // a header promising 65535 bytes, then only some
        byte[] h = header(4, 10, 65535);
        byte[] b = new byte[h.length + 1000];
        System.arraycopy(h, 0, b, 0, h.length);
        return b;
      }
      case 3 -> { // a valid hello, then a flood of hellos and unknown types
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 500; i++) {
          out.writeBytes(header(4, i % 2 == 0 ? 0 : 99, 8));
        }
        return out.toByteArray();
      }
      default -> { // packet-ins before any handshake, with an unknown version
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 200; i++) {
          byte[] pi = header(i % 3 == 0 ? 0x7f : 4, 10, 40);
          out.writeBytes(pi);
          out.writeBytes(new byte[32]);
        }
        return out.toByteArray();
      }
    }
  }

  @Test
  void garbagePeersDoNotDisturbARealSwitch() throws Exception {
    Files.writeString(dir.resolve("open.rules"), "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n");
    Path policy = Files.writeString(dir.resolve("policy.yaml"),
        "hosts:\n  - address: 10.0.0.1\n    rules: open.rules\n");
    try (Controller controller = new Controller(ControllerConfig.defaults().withListen("127.0.0.1", 0),
        new FirewallAssembler().assemble(policy))) {
      InetSocketAddress at = controller.start();
      try (MininetNetwork net = MininetNetwork.builder().topology(Topology.single(2))
          .controller("127.0.0.1", at.getPort()).start()) {
        net.awaitControllerConnections(Duration.ofSeconds(20));
        assertThat(net.pingAll().allReachable()).isTrue();

        ExecutorService pool = Executors.newFixedThreadPool(50);
        List<Future<?>> peers = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          int kind = i % 5;
          long seed = i;
          peers.add(pool.submit(() -> {
            try (Socket s = new Socket()) {
              s.connect(at, 2000);
              s.setSoTimeout(500);
              OutputStream out = s.getOutputStream();
              out.write(payload(kind, new Random(seed)));
              out.flush();
              // read whatever the controller answers until it closes or goes quiet
              byte[] buf = new byte[4096];
              try {
                while (s.getInputStream().read(buf) >= 0) {
                  // drain
                }
              } catch (java.net.SocketTimeoutException quiet) {
                // a controller may wait for more bytes: the peer gives up
              }
            } catch (java.io.IOException closed) {
              // the controller cut the peer off: fine
            }
            return null;
          }));
        }
        for (Future<?> f : peers) {
          f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdownNow();

        assertThat(controller.switches().ready()).as("the real switch stays connected").hasSize(1);
        assertThat(net.ovsSwitch("s1").isConnected()).isTrue();
        assertThat(net.pingAll().allReachable()).as("and keeps forwarding").isTrue();
        var tcp = net.host("h2").start("exec socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'echo alive'");
        try {
          long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
          String got = "";
          while (!got.contains("alive") && System.nanoTime() < deadline) {
            got = net.host("h1").exec("nc -w 2 10.0.0.2 8080", Duration.ofSeconds(5)).stdout();
          }
          assertThat(got).contains("alive");
        } finally {
          tcp.close();
        }
      }
    }
  }
}
