package io.statewall.firewall.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.fakes.FakeAppContext;
import io.statewall.topology.fakes.FakeSwitch;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFMeterConfigStatsRequest;
import org.projectfloodlight.openflow.protocol.OFMeterFeaturesStatsRequest;
import org.projectfloodlight.openflow.protocol.OFMeterFlags;
import org.projectfloodlight.openflow.protocol.OFMeterMod;
import org.projectfloodlight.openflow.protocol.OFMeterModCommand;
import org.projectfloodlight.openflow.protocol.OFPortReason;
import org.projectfloodlight.openflow.protocol.OFStatsReply;
import org.projectfloodlight.openflow.protocol.OFStatsRequest;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFActionMeter;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;
import org.projectfloodlight.openflow.protocol.instruction.OFInstructionApplyActions;
import org.projectfloodlight.openflow.protocol.instruction.OFInstructionMeter;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.protocol.meterband.OFMeterBandDrop;
import org.projectfloodlight.openflow.types.OFPort;

/** Meters on the table-miss entries: what each kind of switch gets, and what happens when it has none. */
class TableMissMetersTest {
  private static final PacketInGuard.Limits LIMITS = new PacketInGuard.Limits(100, 200, 1000, 2000);

  /** OVS 3.1's userspace datapath answers: 262144 meters, drop bands, kbps pktps burst stats. */
  static final long OVS_MAX = 262_144;
  static final long OVS_BANDS = 1L << 1;
  static final long OVS_CAPS = 0b1111;

  private final FakeAppContext ctx = new FakeAppContext();
  private final TableMissMeters meters = new TableMissMeters(LIMITS);

  TableMissMetersTest() {
    meters.start(ctx);
  }

  private static StatsSwitch sw(OFVersion v, long maxMeter, long bands, long caps, Set<Long> existing) {
    FakeSwitch fake = new FakeSwitch(1, v, 1, 2);
    OFFactory f = OFFactories.getFactory(v);
    return new StatsSwitch(fake, req -> answer(f, req, maxMeter, bands, caps, existing));
  }

  private static List<? extends OFStatsReply> answer(OFFactory f, OFStatsRequest<?> req, long maxMeter, long bands,
      long caps, Set<Long> existing) {
    if (req instanceof OFMeterFeaturesStatsRequest) {
      return List.of(f.buildMeterFeaturesStatsReply().setFeatures(f.buildMeterFeatures().setMaxMeter(maxMeter)
          .setBandTypes(bands).setCapabilities(caps).setMaxBands((short) 8).build()).build());
    }
    if (req instanceof OFMeterConfigStatsRequest) {
      return List.of(f.buildMeterConfigStatsReply().setEntries(existing.stream()
          .map(id -> f.buildMeterConfig().setMeterId(id).setFlags(Set.of(OFMeterFlags.PKTPS)).setEntries(List.of())
              .build()).toList()).build());
    }
    return null;
  }

  static Stream<Arguments> versionsWithMeters() {
    return Stream.of(Arguments.of(OFVersion.OF_13), Arguments.of(OFVersion.OF_14), Arguments.of(OFVersion.OF_15));
  }

  @ParameterizedTest
  @MethodSource("versionsWithMeters")
  void aSwitchWithMetersGetsOneMeterPerPortAndOneForTheSwitchOnItsTableMissEntries(OFVersion v) {
    StatsSwitch s = sw(v, OVS_MAX, OVS_BANDS, OVS_CAPS, Set.of());
    ctx.connect(s);

    List<OFMeterMod> mods = s.fake.written(OFMeterMod.class);
    assertThat(mods).extracting(OFMeterMod::getMeterId).containsExactly(1L, 2L, 3L);
    assertThat(mods).allSatisfy(m -> {
      assertThat(m.getCommand()).isEqualTo(OFMeterModCommand.ADD);
      assertThat(m.getFlags()).contains(OFMeterFlags.PKTPS, OFMeterFlags.BURST);
    });
    assertThat(band(mods.get(0))).extracting(OFMeterBandDrop::getRate, OFMeterBandDrop::getBurstSize)
        .containsExactly(1000L, 2000L);
    assertThat(band(mods.get(1))).extracting(OFMeterBandDrop::getRate, OFMeterBandDrop::getBurstSize)
        .containsExactly(100L, 200L);

    List<OFFlowAdd> adds = s.fake.flowAdds();
    assertThat(adds).extracting(OFFlowAdd::getPriority).containsExactly(0, 1, 1);
    assertThat(adds.get(0).getMatch().getMatchFields()).as("the table-miss entry matches everything").isEmpty();
    assertThat(adds.get(1).getMatch().get(MatchField.IN_PORT)).isEqualTo(OFPort.of(1));
    assertThat(adds).extracting(TableMissMetersTest::meterOf).containsExactly(1L, 2L, 3L);
    assertThat(adds).allSatisfy(a -> {
      assertThat(outputsToController(a)).isTrue();
      assertThat(TableMissMeters.isOurs(a.getCookie())).isTrue();
    });
    assertThat(s.fake.written().indexOf(adds.get(0)))
        .as("entries only after every meter (an entry naming a missing meter is refused)")
        .isGreaterThan(s.fake.written().indexOf(mods.get(2)));
    assertThat(meters.meteredSwitches()).isEqualTo(1);
  }

  record Unfit(String name, OFVersion version, long maxMeter, long bands, long caps) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Unfit> switchesLeftToTheController() {
    return Stream.of(
        new Unfit("OpenFlow 1.0 has no meters", OFVersion.OF_10, 0, 0, 0),
        new Unfit("no meters at all", OFVersion.OF_13, 0, OVS_BANDS, OVS_CAPS),
        new Unfit("no drop band (only DSCP remark)", OFVersion.OF_13, 64, 1L << 2, OVS_CAPS),
        new Unfit("kbps only", OFVersion.OF_13, 64, OVS_BANDS, 1));
  }

  @ParameterizedTest
  @MethodSource("switchesLeftToTheController")
  void aSwitchWithoutSuitableMetersKeepsItsPlainTableMissEntry(Unfit u) {
    StatsSwitch s = sw(u.version(), u.maxMeter(), u.bands(), u.caps(), Set.of());
    ctx.connect(s);
    assertThat(s.fake.written()).isEmpty();
    assertThat(meters.skippedSwitches()).isEqualTo(1);
    assertThat(meters.meteredSwitches()).isZero();
  }

  @Test
  void aSwitchThatDoesNotAnswerTheFeaturesRequestIsLeftToTheController() {
    StatsSwitch s = new StatsSwitch(FakeSwitch.of13(1, 1), req -> null);
    ctx.connect(s);
    assertThat(s.fake.written()).isEmpty();
    assertThat(meters.skippedSwitches()).isEqualTo(1);
  }

  @Test
  void metersTheSwitchKeptOverAReconnectAreModifiedNotAddedAgain() {
    StatsSwitch s = sw(OFVersion.OF_13, OVS_MAX, OVS_BANDS, OVS_CAPS, Set.of(1L, 2L));
    ctx.connect(s);
    assertThat(s.fake.written(OFMeterMod.class)).extracting(OFMeterMod::getCommand)
        .containsExactly(OFMeterModCommand.MODIFY, OFMeterModCommand.MODIFY, OFMeterModCommand.ADD);
  }

  @Test
  void portsBeyondTheSwitchsMeterCountShareTheSwitchMeter() {
    StatsSwitch s = sw(OFVersion.OF_13, 2, OVS_BANDS, OVS_CAPS, Set.of());
    ctx.connect(s);
    assertThat(s.fake.written(OFMeterMod.class)).extracting(OFMeterMod::getMeterId).containsExactly(1L, 2L);
    assertThat(s.fake.flowAdds()).hasSize(2);
  }

  @Test
  void withoutBurstCapabilityTheBandHasNoBurst() {
    StatsSwitch s = sw(OFVersion.OF_13, OVS_MAX, OVS_BANDS, 0b0010, Set.of());
    ctx.connect(s);
    OFMeterMod m = s.fake.written(OFMeterMod.class).get(0);
    assertThat(m.getFlags()).doesNotContain(OFMeterFlags.BURST);
    assertThat(band(m).getBurstSize()).isZero();
  }

  @Test
  void aNewPortGetsItsMeterAndEntryAndAPortThatGoesTakesThemAlong() {
    StatsSwitch s = sw(OFVersion.OF_13, OVS_MAX, OVS_BANDS, OVS_CAPS, Set.of());
    ctx.connect(s);
    s.fake.clear();
    OFFactory f = s.factory();
    ctx.portStatus(s, f.buildPortStatus().setReason(OFPortReason.ADD).setDesc(s.fake.desc(7, true)).build());
    assertThat(s.fake.written(OFMeterMod.class)).extracting(OFMeterMod::getMeterId).containsExactly(8L);
    assertThat(s.fake.flowAdds()).extracting(a -> a.getMatch().get(MatchField.IN_PORT)).containsExactly(OFPort.of(7));
    s.fake.clear();
    ctx.portStatus(s, f.buildPortStatus().setReason(OFPortReason.DELETE).setDesc(s.fake.desc(7, false)).build());
    assertThat(s.fake.written(OFMeterMod.class)).extracting(OFMeterMod::getCommand, OFMeterMod::getMeterId)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(OFMeterModCommand.DELETE, 8L));
  }

  @Test
  void aDisconnectedSwitchIsForgotten() {
    StatsSwitch s = sw(OFVersion.OF_13, OVS_MAX, OVS_BANDS, OVS_CAPS, Set.of());
    ctx.connect(s);
    ctx.disconnect(s);
    assertThat(meters.meteredSwitches()).isZero();
  }

  private static OFMeterBandDrop band(OFMeterMod m) {
    return (OFMeterBandDrop) (m.getVersion() == OFVersion.OF_13 ? m.getMeters() : m.getBands()).get(0);
  }

  private static long meterOf(OFFlowAdd a) {
    for (var i : a.getInstructions()) {
      if (i instanceof OFInstructionMeter m) {
        return m.getMeterId();
      }
      if (i instanceof OFInstructionApplyActions aa) {
        for (var act : aa.getActions()) {
          if (act instanceof OFActionMeter m) {
            return m.getMeterId();
          }
        }
      }
    }
    return -1;
  }

  private static boolean outputsToController(OFFlowAdd a) {
    return a.getInstructions().stream().filter(OFInstructionApplyActions.class::isInstance)
        .flatMap(i -> ((OFInstructionApplyActions) i).getActions().stream())
        .anyMatch(act -> act instanceof OFActionOutput o && o.getPort().equals(OFPort.CONTROLLER));
  }
}
