package io.statewall.controller.roles;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.statewall.controller.ChannelStats;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.ControllerAppContext;
import io.statewall.controller.app.ListenerDispatcher;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.channel.OpenFlowChannelInitializer;
import io.statewall.controller.switches.SwitchDirectory;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.testing.EmbeddedSwitch;
import io.statewall.controller.testing.SwitchMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFNiciraControllerRole;
import org.projectfloodlight.openflow.protocol.OFNiciraControllerRoleRequest;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFRoleRequest;
import org.projectfloodlight.openflow.protocol.OFRoleRequestFailedCode;
import org.projectfloodlight.openflow.protocol.OFType;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.U64;

/**
 * Role requests and the write fence on the controller's real pipeline (EmbeddedChannel), the test
 * playing the switch: what goes out when the cluster's assignment changes, and what is held back.
 */
class RoleRequesterTest {
  private static final DatapathId DPID = DatapathId.of(0x51);

  private final ListenerDispatcher dispatcher = new ListenerDispatcher();
  private final SwitchDirectory directory = new SwitchDirectory(dispatcher);
  private final WriteFence fence = new WriteFence();
  private final FakeRoleSource source = new FakeRoleSource();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final RoleRequester roles = new RoleRequester(source, fence);
  private final AtomicInteger appPacketIns = new AtomicInteger();
  private EmbeddedSwitch wire;
  private SwitchHandle sw;

  @AfterEach
  void close() {
    scheduler.shutdownNow();
    if (wire != null) {
      wire.channel.finishAndReleaseAll();
    }
  }

  @Test
  void aMasterIsFencedUntilTheSwitchConfirmsItsGeneration() {
    source.set(new RoleAssignment(DPID, true, 5));
    connect(OFVersion.OF_13);

    OFRoleRequest request = (OFRoleRequest) single(wire.received());
    assertThat(request.getRole()).isEqualTo(OFControllerRole.ROLE_MASTER);
    assertThat(request.getGenerationId()).isEqualTo(U64.of(5));
    sw.write(flowMod());
    sw.write(packetOut());
    assertThat(wire.received()).as("held back before the reply").isEmpty();

    wire.send(roleReply(request, OFControllerRole.ROLE_MASTER, 5));
    assertThat(fence.masterGeneration(DPID)).contains(5L);
    sw.write(flowMod());
    sw.write(packetOut());
    assertThat(wire.received()).extracting(OFMessage::getType).containsExactly(OFType.FLOW_MOD, OFType.PACKET_OUT);
    assertThat(fence.fencedWrites()).isEqualTo(2);
  }

  @Test
  void aStaleGenerationRefusedByTheSwitchKeepsTheFenceClosedAndTheMasterReadsTheSwitchsGeneration() {
    RoleAssignment assignment = new RoleAssignment(DPID, true, 3);
    refusedAsStale(assignment);

    assertThat(roles.refusedAsStale()).isEqualTo(1);
    assertThat(fence.mayWrite(DPID)).isFalse();
    // the refused master asks the switch what it has seen, changing nothing there
    OFRoleRequest query = (OFRoleRequest) single(wire.received());
    assertThat(query.getRole()).isEqualTo(OFControllerRole.ROLE_NOCHANGE);
    wire.send(roleReply(query, OFControllerRole.ROLE_EQUAL, 40));
    assertThat(source.stale).containsExactly(Map.entry(assignment, 40L));
    sw.write(flowMod());
    assertThat(wire.received()).as("still fenced").isEmpty();
  }

  @Test
  void aSlaveRefusedAsStaleAsksNothingMore() {
    refusedAsStale(new RoleAssignment(DPID, false, 3));

    assertThat(roles.refusedAsStale()).isEqualTo(1);
    assertThat(wire.received()).as("only the master moves the epoch").isEmpty();
    assertThat(source.stale).isEmpty();
  }

  @Test
  void aStaleMasterOvertakenByANewerAssignmentBeforeTheSwitchAnswersReportsNothing() {
    refusedAsStale(new RoleAssignment(DPID, true, 3));
    OFRoleRequest query = (OFRoleRequest) single(wire.received());

    source.push(new RoleAssignment(DPID, false, 4));
    wire.received(); // the SLAVE request
    wire.send(roleReply(query, OFControllerRole.ROLE_EQUAL, 40));

    assertThat(source.stale).as("the assignment it was refused for is no longer wanted").isEmpty();
  }

  @Test
  void aDemotionClosesTheFenceBeforeTheSlaveRequestLeaves() {
    source.set(new RoleAssignment(DPID, true, 1));
    connect(OFVersion.OF_13);
    confirm(OFControllerRole.ROLE_MASTER, 1);

    source.push(new RoleAssignment(DPID, false, 2));
    sw.write(flowMod());

    OFRoleRequest request = (OFRoleRequest) single(wire.received());
    assertThat(request.getRole()).isEqualTo(OFControllerRole.ROLE_SLAVE);
    assertThat(request.getGenerationId()).isEqualTo(U64.of(2));
    assertThat(fence.mayWrite(DPID)).isFalse();
  }

  @Test
  void aConfirmationOvertakenByANewerAssignmentDoesNotOpenTheFence() {
    source.set(new RoleAssignment(DPID, true, 7));
    connect(OFVersion.OF_13);
    OFRoleRequest asMaster = (OFRoleRequest) single(wire.received());
    source.push(new RoleAssignment(DPID, false, 8));
    OFRoleRequest asSlave = (OFRoleRequest) single(wire.received());

    wire.send(roleReply(asMaster, OFControllerRole.ROLE_MASTER, 7));
    assertThat(fence.mayWrite(DPID)).isFalse();
    wire.send(roleReply(asSlave, OFControllerRole.ROLE_SLAVE, 8));
    assertThat(fence.mayWrite(DPID)).isFalse();
  }

  @Test
  void aReplyAtAnotherGenerationIsNotAConfirmation() {
    source.set(new RoleAssignment(DPID, true, 4));
    connect(OFVersion.OF_13);
    OFRoleRequest request = (OFRoleRequest) single(wire.received());

    wire.send(roleReply(request, OFControllerRole.ROLE_MASTER, 9));

    assertThat(fence.mayWrite(DPID)).isFalse();
  }

  @Test
  void packetInsOfASwitchThisControllerDoesNotMasterNeverReachTheApps() {
    source.set(new RoleAssignment(DPID, false, 1));
    connect(OFVersion.OF_13);
    confirm(OFControllerRole.ROLE_SLAVE, 1);

    wire.send(packetIn());
    assertThat(appPacketIns).hasValue(0);

    source.push(new RoleAssignment(DPID, true, 2));
    confirm(OFControllerRole.ROLE_MASTER, 2);
    wire.send(packetIn());
    assertThat(appPacketIns).hasValue(1);
  }

  @Test
  void requestsBarriersAndEchoesPassTheFence() {
    connect(OFVersion.OF_13); // nothing committed for this switch: no role request, fence closed
    assertThat(wire.received()).isEmpty();

    sw.barrier();
    sw.write(f().buildEchoRequest().build());

    assertThat(wire.received()).extracting(OFMessage::getType).containsExactly(OFType.BARRIER_REQUEST, OFType.ECHO_REQUEST);
  }

  @Test
  void anOpenFlow10SwitchGetsANiciraRoleRequest() {
    source.set(new RoleAssignment(DPID, true, 6));
    connect(OFVersion.OF_10);

    OFNiciraControllerRoleRequest request = (OFNiciraControllerRoleRequest) single(wire.received());
    assertThat(request.getRole()).isEqualTo(OFNiciraControllerRole.ROLE_MASTER);
    wire.send(SwitchMessages.factory(OFVersion.OF_10).buildNiciraControllerRoleReply().setXid(request.getXid())
        .setRole(OFNiciraControllerRole.ROLE_MASTER).build());

    assertThat(fence.mayWrite(DPID)).isTrue();
  }

  @Test
  void aDisconnectClosesTheFence() {
    source.set(new RoleAssignment(DPID, true, 1));
    connect(OFVersion.OF_13);
    confirm(OFControllerRole.ROLE_MASTER, 1);

    wire.channel.close();

    assertThat(fence.mayWrite(DPID)).isFalse();
  }

  @Test
  void thePipelineHasAFenceOnlyInACluster() {
    ControllerConfig config = ControllerConfig.defaults();
    EmbeddedChannel single = new EmbeddedChannel(new OpenFlowChannelInitializer(Optional.empty(), config, directory));
    EmbeddedChannel member = new EmbeddedChannel(
        new OpenFlowChannelInitializer(Optional.empty(), config, directory, Optional.of(fence)));
    try {
      assertThat(single.pipeline().names()).doesNotContain(OpenFlowChannelInitializer.WRITE_FENCE);
      List<String> names = new ArrayList<>(member.pipeline().names());
      names.remove("DefaultChannelPipeline$TailContext#0");
      assertThat(names).last().isEqualTo(OpenFlowChannelInitializer.WRITE_FENCE);
    } finally {
      single.finishAndReleaseAll();
      member.finishAndReleaseAll();
    }
  }

  // ---- the test plays the switch ----

  private void connect(OFVersion version) {
    wire = new EmbeddedSwitch(dispatcher, directory,
        ControllerConfig.defaults().withFlowsOnConnect(ControllerConfig.FlowsOnConnect.KEEP));
    // what OpenFlowChannelInitializer adds last in a cluster (thePipelineHasAFenceOnlyInACluster)
    wire.channel.pipeline().addLast(OpenFlowChannelInitializer.WRITE_FENCE,
        new WriteFenceHandler(() -> Optional.of(DPID), fence));
    roles.start(new ControllerAppContext("roles", dispatcher, directory, scheduler, new ChannelStats()));
    dispatcher.addMessageListener("app", OFPacketIn.class, 0, (s, p) -> {
      appPacketIns.incrementAndGet();
      return ListenerResult.CONTINUE;
    });
    wire.handshake(version, DPID, 2);
    sw = directory.get(DPID).orElseThrow();
  }

  /** Connects with {@code assignment} committed; the switch refuses its role request as stale. */
  private void refusedAsStale(RoleAssignment assignment) {
    source.set(assignment);
    connect(OFVersion.OF_13);
    OFMessage request = single(wire.received());
    wire.send(f().errorMsgs().buildRoleRequestFailedErrorMsg().setXid(request.getXid())
        .setCode(OFRoleRequestFailedCode.STALE).build());
  }

  private void confirm(OFControllerRole role, long generation) {
    OFRoleRequest request = (OFRoleRequest) single(wire.received());
    wire.send(roleReply(request, role, generation));
  }

  private OFFactory f() {
    return sw.factory();
  }

  private OFMessage roleReply(OFRoleRequest request, OFControllerRole role, long generation) {
    return f().buildRoleReply().setXid(request.getXid()).setRole(role).setGenerationId(U64.of(generation)).build();
  }

  private OFMessage flowMod() {
    return f().buildFlowAdd().setMatch(f().buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).build()).build();
  }

  private OFMessage packetOut() {
    return f().buildPacketOut().setBufferId(OFBufferId.NO_BUFFER).setData(new byte[60]).build();
  }

  private OFMessage packetIn() {
    return f().buildPacketIn().setBufferId(OFBufferId.NO_BUFFER).setReason(OFPacketInReason.NO_MATCH)
        .setMatch(f().buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).build()).setData(new byte[60]).build();
  }

  private static OFMessage single(List<OFMessage> sent) {
    assertThat(sent).hasSize(1);
    return sent.get(0);
  }

  /** The cluster's committed assignments, set by the test. */
  private static final class FakeRoleSource implements RoleSource {
    private final Map<DatapathId, RoleAssignment> current = new ConcurrentHashMap<>();
    private final List<Consumer<RoleAssignment>> subscribers = new ArrayList<>();
    /** What refusedAsStale was told: the assignment and the switch's generation. */
    final List<Map.Entry<RoleAssignment, Long>> stale = new ArrayList<>();

    @Override
    public void refusedAsStale(RoleAssignment assignment, long switchGeneration) {
      stale.add(Map.entry(assignment, switchGeneration));
    }

    void set(RoleAssignment a) {
      current.put(a.dpid(), a);
    }

    void push(RoleAssignment a) {
      set(a);
      subscribers.forEach(s -> s.accept(a));
    }

    @Override
    public Optional<RoleAssignment> current(DatapathId dpid) {
      return Optional.ofNullable(current.get(dpid));
    }

    @Override
    public void subscribe(Consumer<RoleAssignment> changes) {
      subscribers.add(changes);
    }
  }
}
