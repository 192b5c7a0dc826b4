package io.statewall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.protocol.OFAggregateStatsReply;
import org.projectfloodlight.openflow.protocol.OFBarrierReply;
import org.projectfloodlight.openflow.protocol.errormsg.OFBadRequestErrorMsg;
import org.projectfloodlight.openflow.protocol.OFConfigFlags;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFDescStatsReply;
import org.projectfloodlight.openflow.protocol.OFEchoReply;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFFlowStatsReply;
import org.projectfloodlight.openflow.protocol.OFGetConfigReply;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPortDescStatsReply;
import org.projectfloodlight.openflow.protocol.OFPortStatsReply;
import org.projectfloodlight.openflow.protocol.OFRoleReply;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFGroup;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/** The emulated switch's answers, on an {@link EmbeddedChannel}: no socket, no controller. */
class EmulatedSwitchTest {
  private static final OFFactory OF13 = OFFactories.getFactory(OFVersion.OF_13);
  private static final OFFactory OF10 = OFFactories.getFactory(OFVersion.OF_10);
  private static final byte[] LLDP = lldpFrame();

  private static LoadConfig config(OFVersion v) {
    return LoadConfig.of(3, LoadMode.THROUGHPUT, Duration.ofSeconds(1)).withVersion(v);
  }

  private static EmbeddedChannel connected(EmulatedSwitch sw, OFFactory controller) {
    EmbeddedChannel ch = new EmbeddedChannel(sw.link("controller"));
    OFMessage hello = ch.readOutbound();
    assertThat(hello.getType().name()).isEqualTo("HELLO");
    ch.writeInbound(controller.buildHello().setXid(1).build());
    return ch;
  }

  static Stream<Arguments> requests() {
    return Stream.of(
        row("features reply names the datapath and 1.3 has no port list", OF13,
            f -> f.buildFeaturesRequest().setXid(7).build(),
            m -> m instanceof OFFeaturesReply r && r.getDatapathId().equals(DatapathId.of(2))
                && r.getNTables() == 254),
        row("features reply in 1.0 lists the ports", OF10,
            f -> f.buildFeaturesRequest().setXid(7).build(),
            m -> m instanceof OFFeaturesReply r && r.getPorts().size() == 6),
        row("port-desc lists hosts and link ports", OF13,
            f -> f.buildPortDescStatsRequest().setXid(7).build(),
            m -> m instanceof OFPortDescStatsReply r && r.getEntries().size() == 6),
        row("echo reply carries the request's data", OF13,
            f -> f.buildEchoRequest().setXid(7).setData(new byte[] {1, 2, 3}).build(),
            m -> m instanceof OFEchoReply r && r.getData().length == 3),
        row("get-config reports the miss-send-len", OF13,
            f -> f.buildGetConfigRequest().setXid(7).build(),
            m -> m instanceof OFGetConfigReply r && r.getMissSendLen() == 0xFFFF),
        row("barrier is answered", OF10,
            f -> f.buildBarrierRequest().setXid(7).build(), m -> m instanceof OFBarrierReply),
        row("desc stats describe the switch", OF13,
            f -> f.buildDescStatsRequest().setXid(7).build(),
            m -> m instanceof OFDescStatsReply r && r.getDpDesc().equals("switch s2")),
        row("flow stats are an empty table", OF13,
            f -> f.buildFlowStatsRequest().setXid(7).setTableId(TableId.ALL)
                .setOutPort(OFPort.ANY).setOutGroup(OFGroup.ANY).setCookie(U64.ZERO)
                .setCookieMask(U64.ZERO).setMatch(f.buildMatch().build()).build(),
            m -> m instanceof OFFlowStatsReply r && r.getEntries().isEmpty()),
        row("port stats are empty", OF10,
            f -> f.buildPortStatsRequest().setXid(7).setPortNo(OFPort.ANY).build(),
            m -> m instanceof OFPortStatsReply r && r.getEntries().isEmpty()),
        row("aggregate stats are zero", OF13,
            f -> f.buildAggregateStatsRequest().setXid(7).setTableId(TableId.ALL)
                .setOutPort(OFPort.ANY).setOutGroup(OFGroup.ANY).setCookie(U64.ZERO)
                .setCookieMask(U64.ZERO).setMatch(f.buildMatch().build()).build(),
            m -> m instanceof OFAggregateStatsReply r && r.getFlowCount() == 0),
        row("role request gets the asked role", OF13,
            f -> f.buildRoleRequest().setXid(7).setRole(OFControllerRole.ROLE_MASTER)
                .setGenerationId(U64.of(3)).build(),
            m -> m instanceof OFRoleReply r && r.getRole() == OFControllerRole.ROLE_MASTER),
        row("an unsupported multipart gets an error", OF13,
            f -> f.buildGroupDescStatsRequest().setXid(7).build(),
            m -> m instanceof OFBadRequestErrorMsg));
  }

  private static Arguments row(String name, OFFactory f, Function<OFFactory, OFMessage> request,
      Predicate<OFMessage> reply) {
    return Arguments.of(name, f, request, reply);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void answersLikeASwitch(String name, OFFactory f, Function<OFFactory, OFMessage> request,
      Predicate<OFMessage> expected) {
    EmulatedSwitch sw = new EmulatedSwitch(2, config(f.getVersion()),
        new SetupLedger(FlowExpectation.PATH), new SwitchFabric(new EmulatedNetwork(3, 4)));
    EmbeddedChannel ch = connected(sw, f);
    ch.writeInbound(request.apply(f));
    OFMessage reply = ch.readOutbound();
    assertThat(reply).isNotNull();
    assertThat(reply.getXid()).isEqualTo(7);
    assertThat(reply.getVersion()).isEqualTo(f.getVersion());
    assertThat(expected).accepts(reply);
    ch.finishAndReleaseAll();
  }

  @Test
  void isReadyOnlyAfterTheTableMissEntryAndABarrier() {
    EmulatedSwitch sw = new EmulatedSwitch(1, config(OFVersion.OF_13),
        new SetupLedger(FlowExpectation.PATH), new SwitchFabric(new EmulatedNetwork(3, 4)));
    EmbeddedChannel ch = connected(sw, OF13);
    ch.writeInbound(OF13.buildFeaturesRequest().setXid(2).build());
    ch.writeInbound(OF13.buildSetConfig().setXid(3).setFlags(EnumSet.noneOf(OFConfigFlags.class))
        .setMissSendLen(0xFFFF).build());
    ch.writeInbound(OF13.buildBarrierRequest().setXid(4).build());
    assertThat(sw.ready()).as("a barrier before the table-miss entry").isNotDone();
    ch.writeInbound(OF13.buildFlowAdd().setXid(5).setPriority(0)
        .setMatch(OF13.buildMatch().build())
        .setInstructions(List.of(OF13.instructions().applyActions(
            List.of(OF13.actions().output(OFPort.CONTROLLER, 0xFFFF))))).build());
    assertThat(sw.ready()).isNotDone();
    ch.writeInbound(OF13.buildBarrierRequest().setXid(6).build());
    assertThat(sw.ready()).isCompleted();
    ch.finishAndReleaseAll();
  }

  @Test
  void carriesLldpAcrossALinkAsAPacketInOnThePeerPort() {
    EmulatedNetwork net = new EmulatedNetwork(3, 4);
    SwitchFabric fabric = new SwitchFabric(net);
    SetupLedger ledger = new SetupLedger(FlowExpectation.PATH);
    EmulatedSwitch s1 = new EmulatedSwitch(1, config(OFVersion.OF_13), ledger, fabric);
    EmulatedSwitch s2 = new EmulatedSwitch(2, config(OFVersion.OF_13), ledger, fabric);
    fabric.attach(1, s1);
    fabric.attach(2, s2);
    EmbeddedChannel c1 = connected(s1, OF13);
    EmbeddedChannel c2 = connected(s2, OF13);
    c1.writeInbound(OF13.buildPacketOut().setXid(9).setInPort(OFPort.CONTROLLER)
        .setActions(List.of(OF13.actions().output(OFPort.of(net.nextPort()), 0xFFFF)))
        .setData(LLDP).build());
    c2.runPendingTasks();
    OFPacketIn in = c2.readOutbound();
    assertThat(in).isNotNull();
    assertThat(in.getMatch().get(MatchField.IN_PORT)).isEqualTo(OFPort.of(net.previousPort()));
    assertThat(in.getData()).isEqualTo(LLDP);
    assertThat(c1.outboundMessages()).as("nothing comes back on the sender").isEmpty();
    assertThat(fabric.everyLinkProbed()).as("s2->s1, s2->s3 and s3->s2 not yet probed").isFalse();
    c1.finishAndReleaseAll();
    c2.finishAndReleaseAll();
  }

  @Test
  void lldpOutOfAPortWithoutALinkGoesNowhere() {
    EmulatedNetwork net = new EmulatedNetwork(3, 4);
    SwitchFabric fabric = new SwitchFabric(net);
    EmulatedSwitch s1 = new EmulatedSwitch(1, config(OFVersion.OF_13),
        new SetupLedger(FlowExpectation.PATH), fabric);
    fabric.attach(1, s1);
    EmbeddedChannel c1 = connected(s1, OF13);
    c1.writeInbound(OF13.buildPacketOut().setXid(9).setInPort(OFPort.CONTROLLER)
        .setActions(List.of(OF13.actions().output(OFPort.of(net.previousPort()), 0xFFFF)))
        .setData(LLDP).build());
    assertThat(c1.outboundMessages()).isEmpty();
    assertThat(c1.isOpen()).isTrue();
    c1.finishAndReleaseAll();
  }

  @Test
  void withOneSwitchPathsEveryConnectionGoesToAnotherHostOfTheSameSwitchAndNoTupleRepeats() {
    EmulatedNetwork net = new EmulatedNetwork(3, 4, true);
    LoadConfig config = new LoadConfig(net, LoadMode.THROUGHPUT, 128, 0, Duration.ZERO, Duration.ofSeconds(1),
        OFVersion.OF_13, FlowExpectation.NONE, false, Duration.ofSeconds(10), Duration.ofSeconds(10),
        Duration.ofSeconds(30), 80, 1);
    SetupLedger ledger = new SetupLedger(FlowExpectation.NONE);
    EmulatedSwitch sw = new EmulatedSwitch(2, config, ledger, new SwitchFabric(net));
    EmbeddedChannel ch = connected(sw, OF13);
    java.util.Set<FiveTuple> seen = new java.util.HashSet<>();
    int probes = 4 * 3 * 2; // every ordered pair of the four hosts, twice (two source ports)
    for (int i = 0; i < probes; i++) {
      sw.sendProbe();
      OFPacketIn in = ch.readOutbound();
      FiveTuple t = FiveTuple.fromFrame(in.getData());
      assertThat(t.srcIp() >>> 8).as("from switch 2").isEqualTo(net.hostIp(2, 0) >>> 8);
      assertThat(t.dstIp() >>> 8).as("to switch 2 as well").isEqualTo(net.hostIp(2, 0) >>> 8);
      assertThat(t.dstIp()).as("never to itself").isNotEqualTo(t.srcIp());
      assertThat(seen.add(t)).as("tuple %s sent twice", t).isTrue();
    }
    assertThat(ledger.outstanding()).isEqualTo(probes);
    ch.finishAndReleaseAll();
  }

  private static byte[] lldpFrame() {
    byte[] f = new byte[60];
    f[0] = 0x01;
    f[1] = (byte) 0x80;
    f[2] = (byte) 0xC2;
    f[5] = 0x0E;
    f[12] = (byte) 0x88;
    f[13] = (byte) 0xCC;
    return f;
  }
}
