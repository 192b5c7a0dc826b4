package io.statewall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFBarrierReply;
import org.projectfloodlight.openflow.protocol.OFEchoReply;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFHello;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFRoleReply;
import org.projectfloodlight.openflow.protocol.OFRoleRequestFailedCode;
import org.projectfloodlight.openflow.protocol.OFType;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.errormsg.OFRoleRequestFailedErrorMsg;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.U64;

/**
 * One emulated switch connected over real sockets to two small in-test controllers (blocking
 * sockets, the framing of {@link SwitchRoles}): the roles it applies as Open vSwitch does.
 */
@Timeout(60)
class EmulatedSwitchRolesTest {
  private static final OFFactory F = OFFactories.getFactory(OFVersion.OF_13);
  private static final long WAIT_MS = 10_000;

  private final NioEventLoopGroup group = new NioEventLoopGroup(1);
  private final SetupLedger ledger = new SetupLedger(FlowExpectation.NONE);
  private TestController a;
  private TestController b;
  private EmulatedSwitch sw;

  @BeforeEach
  void connect() throws Exception {
    LoadConfig config = LoadConfig.of(2, LoadMode.THROUGHPUT, Duration.ofSeconds(1))
        .withExpectation(FlowExpectation.NONE, false)
        .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(30));
    a = new TestController();
    b = new TestController();
    sw = new EmulatedSwitch(1, config, ledger, new SwitchFabric(config.network()));
    EventLoop loop = group.next();
    for (TestController c : List.of(a, b)) {
      SwitchChannels.bootstrap(loop, Duration.ofSeconds(5))
          .handler(SwitchChannels.pipeline(sw.link(c.name()))).connect(c.address()).sync();
      c.accept();
      c.expect(OFHello.class);
      c.send(F.buildHello().setXid(1).build());
      c.send(F.buildFeaturesRequest().setXid(1).build());
      c.expect(OFFeaturesReply.class);
    }
  }

  @AfterEach
  void close() throws Exception {
    sw.close();
    a.close();
    b.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  @Test
  void packetInsGoToTheMasterOnlyAndASlavesWritesAndAStaleGenerationAreRefused() throws Exception {
    becomeMaster(a, 5);
    assertThat(role(b, OFControllerRole.ROLE_SLAVE, 5).getRole()).isEqualTo(OFControllerRole.ROLE_SLAVE);
    // the table-miss entry and a barrier from the master make the switch ready
    a.send(F.buildFlowAdd().setXid(3).setPriority(0).setMatch(F.buildMatch().build()).build());
    a.send(F.buildBarrierRequest().setXid(4).build());
    sw.ready().get(WAIT_MS, TimeUnit.MILLISECONDS);

    sw.sendProbe();
    OFPacketIn syn = a.expect(OFPacketIn.class);
    // had the probe gone to B too, B would read its packet-in before the reply to this echo
    b.send(F.buildEchoRequest().setXid(9).setData(new byte[0]).build());
    assertThat(b.next()).isInstanceOf(OFEchoReply.class);

    b.send(packetOut(syn));
    await(() -> sw.slaveWrites() == 1);
    assertThat(ledger.probesCompleted()).as("a SLAVE's packet-out sets nothing up").isZero();
    a.send(packetOut(syn));
    await(() -> ledger.probesCompleted() == 1);
    assertThat(sw.slaveWrites()).isEqualTo(1);
    assertThat(sw.slaveWritesByType()).containsExactly(java.util.Map.entry(OFType.PACKET_OUT, 1L));

    b.send(F.buildRoleRequest().setXid(10).setRole(OFControllerRole.ROLE_MASTER).setGenerationId(U64.of(4)).build());
    OFRoleRequestFailedErrorMsg stale = b.expect(OFRoleRequestFailedErrorMsg.class);
    assertThat(stale.getCode()).isEqualTo(OFRoleRequestFailedCode.STALE);
    assertThat(sw.staleRefused()).isEqualTo(1);
    assertThat(sw.master()).contains(a.name());
    assertThat(sw.masterChanges()).isZero();
  }

  @Test
  void mastershipMovesWhenTheMastersConnectionClosesAndANewMasterAsks() throws Exception {
    becomeMaster(a, 1);
    role(b, OFControllerRole.ROLE_SLAVE, 1);
    a.send(F.buildFlowAdd().setXid(3).setPriority(0).setMatch(F.buildMatch().build()).build());
    a.send(F.buildBarrierRequest().setXid(4).build());
    sw.ready().get(WAIT_MS, TimeUnit.MILLISECONDS);
    sw.sendProbe();
    a.expect(OFPacketIn.class);

    a.close();
    await(() -> sw.master().isEmpty());
    assertThat(sw.closed()).as("one controller is left").isNotDone();
    assertThat(sw.masterChanges()).isEqualTo(1);
    assertThat(ledger.outstanding()).as("the dead master's connection was given up").isZero();

    becomeMaster(b, 2);
    assertThat(sw.master()).contains(b.name());
    sw.sendProbe();
    OFPacketIn syn = b.expect(OFPacketIn.class);
    b.send(packetOut(syn));
    await(() -> ledger.probesCompleted() == 1);
    assertThat(sw.slaveWrites()).isZero();
  }

  @Test
  void aNewMasterDemotesTheOldOneWhoseWritesAreThenRefused() throws Exception {
    becomeMaster(a, 1);
    a.send(F.buildFlowAdd().setXid(3).setPriority(0).setMatch(F.buildMatch().build()).build());
    a.send(F.buildBarrierRequest().setXid(4).build());
    sw.ready().get(WAIT_MS, TimeUnit.MILLISECONDS);
    sw.sendProbe();
    OFPacketIn first = a.expect(OFPacketIn.class);

    becomeMaster(b, 2);
    assertThat(sw.master()).contains(b.name());
    assertThat(sw.masterChanges()).isEqualTo(1);
    a.send(packetOut(first));
    await(() -> sw.slaveWrites() == 1);
    assertThat(ledger.probesCompleted()).isZero();
    // A asks for the role it has now: SLAVE, as the switch answers a NOCHANGE
    a.send(F.buildRoleRequest().setXid(11).setRole(OFControllerRole.ROLE_NOCHANGE).setGenerationId(U64.ZERO).build());
    assertThat(a.expect(OFRoleReply.class).getRole()).isEqualTo(OFControllerRole.ROLE_SLAVE);

    sw.sendProbe();
    OFPacketIn second = b.expect(OFPacketIn.class);
    b.send(packetOut(second));
    await(() -> ledger.probesCompleted() == 1);
  }

  @Test
  void aControllerThatAskedForNoRoleStaysEqualWhenAnotherBecomesMaster() throws Exception {
    becomeMaster(a, 1);
    // OpenFlow 1.3 6.3.7: only another MASTER becomes SLAVE; B is still EQUAL, so its writes count
    b.send(F.buildRoleRequest().setXid(12).setRole(OFControllerRole.ROLE_NOCHANGE).setGenerationId(U64.ZERO).build());
    assertThat(b.expect(OFRoleReply.class).getRole()).isEqualTo(OFControllerRole.ROLE_EQUAL);
    b.send(F.buildFlowAdd().setXid(3).setPriority(0).setMatch(F.buildMatch().build()).build());
    b.send(F.buildBarrierRequest().setXid(4).build());
    assertThat(b.expect(OFBarrierReply.class)).isNotNull();
    assertThat(sw.slaveWrites()).isZero();
  }

  private void becomeMaster(TestController c, long generation) throws IOException {
    assertThat(role(c, OFControllerRole.ROLE_MASTER, generation).getRole()).isEqualTo(OFControllerRole.ROLE_MASTER);
  }

  private static OFRoleReply role(TestController c, OFControllerRole role, long generation) throws IOException {
    c.send(F.buildRoleRequest().setXid(2).setRole(role).setGenerationId(U64.of(generation)).build());
    OFRoleReply reply = c.expect(OFRoleReply.class);
    assertThat(reply.getGenerationId()).isEqualTo(U64.of(generation));
    return reply;
  }

  /** The packet-out a firewall sends for a packet-in it accepts: the frame, out of port 2. */
  private static OFMessage packetOut(OFPacketIn pi) {
    return F.buildPacketOut().setXid(20).setBufferId(OFBufferId.NO_BUFFER).setInPort(OFPort.CONTROLLER)
        .setActions(List.of(F.actions().output(OFPort.of(2), 0xffff))).setData(pi.getData()).build();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition not met within %d ms", WAIT_MS).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  /** A controller's end of one switch connection, read and written by the test's thread. */
  private static final class TestController implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    private Socket socket;
    private DataInputStream in;
    private OutputStream out;

    TestController() throws IOException {
      server.setSoTimeout((int) WAIT_MS);
    }

    InetSocketAddress address() {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    /** As the switch names it (LoadGenerator names a controller HOST:PORT). */
    String name() {
      return "controller-" + server.getLocalPort();
    }

    void accept() throws IOException {
      socket = server.accept();
      socket.setSoTimeout((int) WAIT_MS);
      in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
      out = socket.getOutputStream();
    }

    void send(OFMessage m) throws IOException {
      SwitchRoles.send(out, m);
    }

    OFMessage next() throws IOException {
      return SwitchRoles.receive(in);
    }

    /** The next message of {@code type}, skipping others (the switch's hello, echo replies). */
    <T extends OFMessage> T expect(Class<T> type) throws IOException {
      while (true) {
        OFMessage m = next();
        if (type.isInstance(m)) {
          return type.cast(m);
        }
      }
    }

    @Override
    public void close() throws IOException {
      if (socket != null) {
        socket.close();
      }
      server.close();
    }
  }
}
