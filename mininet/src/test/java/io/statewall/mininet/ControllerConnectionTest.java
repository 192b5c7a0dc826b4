package io.statewall.mininet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Switches in secure mode reach a controller on this machine's loopback through the agent's relay. */
class ControllerConnectionTest {

  @Test
  void switchesConnectAndNegotiateTheHighestCommonVersion() throws Exception {
    try (HelloOnlyController controller = new HelloOnlyController(OpenFlowVersion.OF_13);
        MininetNetwork net = MininetNetwork.builder().topology(Topology.linear(2))
            .controller("127.0.0.1", controller.port())
            .openFlowVersions(OpenFlowVersion.OF_10, OpenFlowVersion.OF_13).start()) {
      net.awaitControllerConnections(Duration.ofSeconds(15));

      assertThat(net.switches()).allSatisfy(s -> {
        assertThat(s.isConnected()).isTrue();
        assertThat(s.negotiatedVersion()).contains(OpenFlowVersion.OF_13);
      });
      // secure fail mode and a controller that installs nothing: nothing gets through
      assertThat(net.ovsSwitch("s1").dumpFlows()).isEmpty();
      assertThat(net.pingAll(Duration.ofSeconds(1)).reached()).isEmpty();
    }
  }

  @Test
  void anOlderControllerGetsTheOlderVersion() throws Exception {
    try (HelloOnlyController controller = new HelloOnlyController(OpenFlowVersion.OF_10);
        MininetNetwork net = MininetNetwork.builder().topology(Topology.single(1))
            .controller("127.0.0.1", controller.port())
            .openFlowVersions(OpenFlowVersion.OF_10, OpenFlowVersion.OF_13).start()) {
      net.awaitControllerConnections(Duration.ofSeconds(15));

      assertThat(net.ovsSwitch("s1").negotiatedVersion()).contains(OpenFlowVersion.OF_10);
    }
  }

  @Test
  void switchesFindAControllerThatStartsAfterTheNetwork() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort(); // free now; the controller takes it once the network runs
    }
    try (MininetNetwork net = MininetNetwork.builder().topology(Topology.single(1))
        .controller("127.0.0.1", port).start()) {
      assertThat(net.ovsSwitch("s1").isConnected()).isFalse();
      try (HelloOnlyController late = new HelloOnlyController(OpenFlowVersion.OF_13, port)) {
        net.awaitControllerConnections(Duration.ofSeconds(10)); // OVS retries at least every 1 s
        assertThat(net.ovsSwitch("s1").negotiatedVersion()).contains(OpenFlowVersion.OF_13);
      }
    }
  }

  /** Answers HELLO with its own version and ECHO_REQUEST with ECHO_REPLY; nothing else. */
  private static final class HelloOnlyController implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> sockets = new ArrayList<>();
    private final int version;

    HelloOnlyController(OpenFlowVersion version) throws IOException {
      this(version, 0);
    }

    HelloOnlyController(OpenFlowVersion version, int port) throws IOException {
      this.version = version.wireVersion();
      server = new ServerSocket(port, 16, InetAddress.getLoopbackAddress());
      Thread accept = new Thread(this::acceptLoop, "hello-controller");
      accept.setDaemon(true);
      accept.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void acceptLoop() {
      try {
        while (true) {
          Socket s = server.accept();
          synchronized (sockets) {
            sockets.add(s);
          }
          Thread t = new Thread(() -> serve(s), "hello-controller-conn");
          t.setDaemon(true);
          t.start();
        }
      } catch (IOException e) {
        // closed
      }
    }

    private void serve(Socket s) {
      try (s) {
        DataInputStream in = new DataInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        out.write(message(0, 0));
        while (true) {
          byte[] header = new byte[8];
          in.readFully(header);
          ByteBuffer h = ByteBuffer.wrap(header);
          h.get();
          int type = h.get();
          int length = Short.toUnsignedInt(h.getShort());
          int xid = h.getInt();
          in.readFully(new byte[length - 8]);
          if (type == 2) {
            out.write(message(3, xid));
          }
        }
      } catch (IOException e) {
        // switch went away
      }
    }

    private byte[] message(int type, int xid) {
      return ByteBuffer.allocate(8).put((byte) version).put((byte) type).putShort((short) 8)
          .putInt(xid).array();
    }

    @Override
    public void close() throws IOException {
      server.close();
      synchronized (sockets) {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }
}
