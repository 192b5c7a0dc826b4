package io.statewall.controller.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.ListenerDispatcher;
import io.statewall.controller.channel.OpenFlowChannelInitializer;
import io.statewall.controller.switches.SwitchDirectory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.projectfloodlight.openflow.protocol.OFBarrierRequest;
import org.projectfloodlight.openflow.protocol.OFFeaturesRequest;
import org.projectfloodlight.openflow.protocol.OFHello;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortDescStatsRequest;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * The controller's whole pipeline on an {@link EmbeddedChannel}, seen from the switch's side: the test
 * plays the switch by sending messages or raw bytes and reading what the controller sent.
 */
public final class EmbeddedSwitch {
  public final EmbeddedChannel channel;
  public final SwitchDirectory directory;
  public final ListenerDispatcher dispatcher;

  public EmbeddedSwitch(ListenerDispatcher dispatcher, SwitchDirectory directory) {
    this(dispatcher, directory, io.statewall.controller.ControllerConfig.FlowsOnConnect.CLEAR);
  }

  public EmbeddedSwitch(ListenerDispatcher dispatcher, SwitchDirectory directory,
      io.statewall.controller.ControllerConfig.FlowsOnConnect flowsOnConnect) {
    this(dispatcher, directory, ControllerConfig.defaults().withEchoInterval(Duration.ofSeconds(5))
        .withHandshakeTimeout(Duration.ofSeconds(10)).withFlowsOnConnect(flowsOnConnect));
  }

  /** The pipeline {@code config} asks for (its limits and admission), without TLS. */
  public EmbeddedSwitch(ListenerDispatcher dispatcher, SwitchDirectory directory, ControllerConfig config) {
    this.dispatcher = dispatcher;
    this.directory = directory;
    this.channel = new EmbeddedChannel(new OpenFlowChannelInitializer(Optional.empty(), config, directory));
  }

  /** A switch whose controller keeps flow tables on connect ({@code FlowsOnConnect.KEEP}). */
  public static EmbeddedSwitch keepingFlows() {
    ListenerDispatcher d = new ListenerDispatcher();
    return new EmbeddedSwitch(d, new SwitchDirectory(d), io.statewall.controller.ControllerConfig.FlowsOnConnect.KEEP);
  }

  public EmbeddedSwitch() {
    this(new ListenerDispatcher());
  }

  private EmbeddedSwitch(ListenerDispatcher dispatcher) {
    this(dispatcher, new SwitchDirectory(dispatcher));
  }

  public void send(OFMessage... messages) {
    channel.writeInbound(SwitchMessages.encode(messages));
    channel.runPendingTasks();
  }

  public void sendBytes(byte[] bytes) {
    channel.writeInbound(Unpooled.wrappedBuffer(bytes));
    channel.runPendingTasks();
  }

  /** Everything the controller has sent since the last call. */
  public List<OFMessage> received() {
    channel.runPendingTasks();
    List<OFMessage> out = new ArrayList<>();
    ByteBuf buf;
    while ((buf = channel.readOutbound()) != null) {
      out.addAll(SwitchMessages.decodeAll(buf));
    }
    return out;
  }

  /**
   * Plays hello and features at {@code version}; returns what the controller sent after the features
   * reply (a port-desc request, the 1.0 flow-table setup, an echo probe of an older session elsewhere, or
   * nothing while admission waits).
   */
  public List<OFMessage> helloAndFeatures(OFVersion version, DatapathId dpid, List<OFPortDesc> ports) {
    received();
    send(version == OFVersion.OF_10 ? SwitchMessages.hello(version) : SwitchMessages.hello(version, version.wireVersion));
    List<OFMessage> afterHello = received();
    assertThat(afterHello).singleElement().isInstanceOf(OFFeaturesRequest.class);
    send(SwitchMessages.features(version, afterHello.get(0).getXid(), dpid, ports));
    return received();
  }

  /** Answers the barrier that ends the handshake (the last message in {@code sent}). */
  public void answerBarrier(OFVersion version, List<OFMessage> sent) {
    OFMessage barrier = sent.get(sent.size() - 1);
    assertThat(barrier).isInstanceOf(OFBarrierRequest.class);
    send(SwitchMessages.factory(version).buildBarrierReply().setXid(barrier.getXid()).build());
  }

  /** Plays a switch through the whole handshake at {@code version}; returns what the controller sent. */
  public List<OFMessage> handshake(OFVersion version, DatapathId dpid, int portCount) {
    List<OFMessage> sent = new ArrayList<>(received());
    assertThat(sent).first().isInstanceOf(OFHello.class);
    send(version == OFVersion.OF_10 ? SwitchMessages.hello(version) : SwitchMessages.hello(version, version.wireVersion));
    List<OFMessage> afterHello = received();
    sent.addAll(afterHello);
    assertThat(afterHello).singleElement().isInstanceOf(OFFeaturesRequest.class);
    long featuresXid = afterHello.get(0).getXid();
    List<OFPortDesc> ports = SwitchMessages.ports(version, portCount);
    send(SwitchMessages.features(version, featuresXid, dpid, ports));
    List<OFMessage> next = received();
    if (version != OFVersion.OF_10) {
      assertThat(next).singleElement().isInstanceOf(OFPortDescStatsRequest.class);
      long xid = next.get(0).getXid();
      sent.addAll(next);
      int half = ports.size() / 2;
      send(SwitchMessages.portDesc(version, xid, ports.subList(0, half), true));
      send(SwitchMessages.portDesc(version, xid, ports.subList(half, ports.size()), false));
      next = received();
    }
    sent.addAll(next);
    OFMessage barrier = next.get(next.size() - 1);
    assertThat(barrier).isInstanceOf(OFBarrierRequest.class);
    send(SwitchMessages.factory(version).buildBarrierReply().setXid(barrier.getXid()).build());
    return sent;
  }
}
