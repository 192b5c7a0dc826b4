package io.statewall.controller.switches;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.testing.EmbeddedSwitch;
import io.statewall.controller.testing.SwitchMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFBadRequestCode;
import org.projectfloodlight.openflow.protocol.OFBarrierReply;
import org.projectfloodlight.openflow.protocol.OFBarrierRequest;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFFlowStatsReply;
import org.projectfloodlight.openflow.protocol.OFFlowStatsRequest;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortReason;
import org.projectfloodlight.openflow.protocol.OFStatsReplyFlags;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;

class ConnectedSwitchTest {
  private static final OFVersion V = OFVersion.OF_13;
  private static final OFFactory F = SwitchMessages.factory(V);
  private final EmbeddedSwitch wire = new EmbeddedSwitch();
  private SwitchHandle sw;

  @BeforeEach
  void ready() {
    wire.handshake(V, DatapathId.of(1), 2);
    wire.received();
    sw = wire.directory.get(DatapathId.of(1)).orElseThrow();
  }

  @Test
  void writesReachTheSwitchInOrder() {
    sw.write(F.buildEchoRequest().setXid(1).build());
    sw.write(List.of(F.buildEchoRequest().setXid(2).build(), F.buildEchoRequest().setXid(3).build()));

    assertThat(wire.received()).extracting(OFMessage::getXid).containsExactly(1L, 2L, 3L);
  }

  @Test
  void barrierCompletesWithItsReply() throws Exception {
    CompletableFuture<OFBarrierReply> barrier = sw.barrier();
    OFMessage request = wire.received().get(0);
    assertThat(request).isInstanceOf(OFBarrierRequest.class);
    assertThat(barrier).isNotDone();

    wire.send(F.buildBarrierReply().setXid(request.getXid()).build());

    assertThat(barrier.get().getXid()).isEqualTo(request.getXid());
  }

  @Test
  void requestsGetTheirOwnXidsSoRepliesCannotBeConfused() {
    CompletableFuture<OFBarrierReply> a = sw.request(F.buildBarrierRequest().setXid(5).build());
    CompletableFuture<OFBarrierReply> b = sw.request(F.buildBarrierRequest().setXid(5).build());
    List<OFMessage> sent = wire.received();
    assertThat(sent.get(0).getXid()).isNotEqualTo(sent.get(1).getXid());

    wire.send(F.buildBarrierReply().setXid(sent.get(1).getXid()).build());

    assertThat(a).isNotDone();
    assertThat(b).isCompleted();
  }

  @Test
  void multipartReplyIsCollectedUntilTheLastPart() throws Exception {
    CompletableFuture<List<OFFlowStatsReply>> stats = sw.requestStats(F.buildFlowStatsRequest().build());
    long xid = wire.received().get(0).getXid();
    OFFlowStatsEntry entry = F.buildFlowStatsEntry().setPriority(7).build();

    wire.send(F.buildFlowStatsReply().setXid(xid).setEntries(List.of(entry))
        .setFlags(Set.of(OFStatsReplyFlags.REPLY_MORE)).build());
    assertThat(stats).isNotDone();
    wire.send(F.buildFlowStatsReply().setXid(xid).setEntries(List.of(entry, entry)).build());

    assertThat(stats.get()).hasSize(2);
    assertThat(stats.get().stream().mapToInt(r -> r.getEntries().size()).sum()).isEqualTo(3);
  }

  @Test
  void streamedMultipartReplyHandsOnEachPartAsItArrives() throws Exception {
    List<Integer> seen = new ArrayList<>();
    CompletableFuture<Integer> done = sw.streamStats(F.buildFlowStatsRequest().build(),
        (OFFlowStatsReply part) -> seen.add(part.getEntries().size()));
    long xid = wire.received().get(0).getXid();
    OFFlowStatsEntry entry = F.buildFlowStatsEntry().setPriority(7).build();

    wire.send(F.buildFlowStatsReply().setXid(xid).setEntries(List.of(entry))
        .setFlags(Set.of(OFStatsReplyFlags.REPLY_MORE)).build());
    assertThat(seen).as("before the last part").containsExactly(1);
    assertThat(done).isNotDone();
    wire.send(F.buildFlowStatsReply().setXid(xid).setEntries(List.of(entry, entry)).build());

    assertThat(seen).containsExactly(1, 2);
    assertThat(done.get()).isEqualTo(2);
  }

  @Test
  void aStreamConsumerThatThrowsFailsTheRequestAndTheRestGoesNowhere() {
    List<Integer> seen = new ArrayList<>();
    CompletableFuture<Integer> done = sw.streamStats(F.buildFlowStatsRequest().build(),
        (OFFlowStatsReply part) -> {
          seen.add(part.getEntries().size());
          throw new IllegalStateException("consumer bug");
        });
    long xid = wire.received().get(0).getXid();
    wire.send(F.buildFlowStatsReply().setXid(xid).setEntries(List.of())
        .setFlags(Set.of(OFStatsReplyFlags.REPLY_MORE)).build());
    wire.send(F.buildFlowStatsReply().setXid(xid).setEntries(List.of()).build());

    assertThat(done).isCompletedExceptionally();
    assertThat(seen).hasSize(1);
  }

  @Test
  void errorFailsTheRequestAndReachesErrorListeners() {
    List<OFErrorMsg> heard = new ArrayList<>();
    wire.dispatcher.addMessageListener("test", OFErrorMsg.class, 0, (s, e) -> {
      heard.add(e);
      return ListenerResult.CONTINUE;
    });
    CompletableFuture<List<OFFlowStatsReply>> stats =
        sw.requestStats(F.buildFlowStatsRequest().build());
    long xid = wire.received().get(0).getXid();

    OFErrorMsg error = F.errorMsgs().buildBadRequestErrorMsg().setXid(xid).setCode(OFBadRequestCode.BAD_STAT).build();
    wire.send(error);

    assertThat(stats).isCompletedExceptionally();
    assertThat(stats).failsWithin(java.time.Duration.ZERO).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOfSatisfying(SwitchErrorException.class,
            e -> assertThat(e.error().getXid()).isEqualTo(xid));
    assertThat(heard).extracting(OFMessage::getXid).containsExactly(xid);
  }

  @Test
  void disconnectFailsPendingRequestsAndLaterRequestsFailAtOnce() {
    CompletableFuture<OFBarrierReply> pending = sw.barrier();

    wire.channel.close();

    assertThat(pending).failsWithin(java.time.Duration.ZERO).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(SwitchDisconnectedException.class);
    assertThat(sw.isConnected()).isFalse();
    assertThat(sw.barrier()).isCompletedExceptionally();
    assertThat(wire.directory.get(DatapathId.of(1))).isEmpty();
  }

  @Test
  void echoRequestOfAnAppGetsItsReply() throws Exception {
    CompletableFuture<org.projectfloodlight.openflow.protocol.OFEchoReply> echo =
        sw.request(F.buildEchoRequest().setData(new byte[] {9}).build());
    long xid = wire.received().get(0).getXid();

    wire.send(F.buildEchoReply().setXid(xid).setData(new byte[] {9}).build());

    assertThat(echo.get().getData()).containsExactly(9);
  }

  @Test
  void portStatusUpdatesThePorts() {
    var port3 = SwitchMessages.ports(V, 3).get(2);
    wire.send(F.buildPortStatus().setReason(OFPortReason.ADD).setDesc(port3).build());
    assertThat(sw.port(OFPort.of(3))).isPresent();

    wire.send(F.buildPortStatus().setReason(OFPortReason.DELETE).setDesc(SwitchMessages.ports(V, 1).get(0)).build());

    assertThat(sw.ports()).extracting(p -> p.getPortNo()).containsExactly(OFPort.of(2), OFPort.of(3));
  }

  @Test
  void writableSwitchCompletesWhenWritableAtOnce() {
    assertThat(sw.isWritable()).isTrue();
    assertThat(sw.whenWritable()).isCompleted();
  }
}
