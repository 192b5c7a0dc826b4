package io.statewall.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Controllers that misbehave: the generator must end by itself with a {@link BenchException}
 * naming what happened, never hang or leak its threads.
 */
@Timeout(120) // a guard against hangs, not a performance assertion
class HostileControllerTest {
  private StubController stub;
  private InetSocketAddress stubAddress;

  @BeforeEach
  void startStub() throws InterruptedException {
    stub = new StubController(1);
    stubAddress = stub.start();
  }

  @AfterEach
  void stopStub() {
    stub.close();
  }

  private static LoadConfig config() {
    return LoadConfig.of(2, LoadMode.THROUGHPUT, Duration.ofSeconds(30)).withWindow(8).forStub()
        .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(1));
  }

  @Test
  void aControllerThatClosesTheConnectionMidRunEndsTheRunWithAnError() throws Exception {
    // 4 KB from the controller is past the handshake and well into the load
    try (Proxy proxy = new Proxy(stubAddress, 4096, null)) {
      assertThatThrownBy(() -> new LoadGenerator(config()).run(proxy.address(), "cut", p -> { }))
          .isInstanceOf(BenchException.class)
          .hasMessageContaining("closed the connection");
      assertThat(proxy.cut()).as("the proxy really cut a connection").isTrue();
    }
  }

  @Test
  void aControllerThatSendsGarbageEndsTheRunWithAnError() throws Exception {
    // version 4, type FLOW_MOD, length 5: shorter than an OpenFlow header
    byte[] garbage = {0x04, 0x0E, 0x00, 0x05, 0x00};
    try (Proxy proxy = new Proxy(stubAddress, 4096, garbage)) {
      assertThatThrownBy(() -> new LoadGenerator(config()).run(proxy.address(), "garbage", p -> { }))
          .isInstanceOf(BenchException.class)
          .hasMessageContaining("malformed message");
    }
  }

  @Test
  void anUndecodableMessageEndsTheRunWithAnError() throws Exception {
    // a well-framed message of an unknown version
    byte[] garbage = {0x7F, 0x00, 0x00, 0x08, 0, 0, 0, 1};
    try (Proxy proxy = new Proxy(stubAddress, 4096, garbage)) {
      assertThatThrownBy(() -> new LoadGenerator(config()).run(proxy.address(), "garbage", p -> { }))
          .isInstanceOf(BenchException.class)
          .hasMessageContaining("malformed message");
    }
  }

  @Test
  void aSilentControllerFailsTheHandshakeInsteadOfWaitingForever() throws Exception {
    ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    List<Socket> accepted = new CopyOnWriteArrayList<>();
    Thread acceptor = new Thread(() -> {
      try {
        while (!silent.isClosed()) {
          accepted.add(silent.accept());
        }
      } catch (IOException e) {
        // closed: done
      }
    });
    acceptor.start();
    // the handshake bound covers the connects too: 500 ms was too little for them on a loaded CI machine
    LoadConfig config = config().withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(1),
        Duration.ofSeconds(1));
    try {
      assertThatThrownBy(() -> new LoadGenerator(config)
          .run((InetSocketAddress) silent.getLocalSocketAddress(), "silent", p -> { }))
          .isInstanceOf(BenchException.class)
          .hasMessageContaining("handshake did not complete");
    } finally {
      silent.close();
      acceptor.join(5_000);
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  @Test
  void noControllerListeningIsAnError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    InetSocketAddress nobody = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    assertThatThrownBy(() -> new LoadGenerator(config()).run(nobody, "none", p -> { }))
        .isInstanceOf(BenchException.class)
        .hasMessageContaining("cannot connect");
  }

  @Test
  void refusesToSendAnywhereButLoopback() {
    InetSocketAddress elsewhere = new InetSocketAddress("192.0.2.1", 6653);
    assertThatThrownBy(() -> new LoadGenerator(config()).run(elsewhere, "x", p -> { }))
        .isInstanceOf(BenchException.class)
        .hasMessageContaining("loopback");
  }
}
