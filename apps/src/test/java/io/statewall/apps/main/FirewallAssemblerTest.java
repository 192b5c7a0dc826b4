package io.statewall.apps.main;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.firewall.forwarding.FlowModLimits;
import io.statewall.firewall.guard.PacketInGuard;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.App;
import io.statewall.controller.launch.ApiConfig;
import io.statewall.controller.launch.RunLimits;
import io.statewall.controller.launch.RunOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * `statewall run`'s limits reach the conntrack table, the packet-in guard and the flow-mod budget; without
 * `--cluster` it is one process, with no cluster part.
 */
class FirewallAssemblerTest {
  static final Path SEED = Path.of("..", "examples", "seed.yaml");

  @Test
  void theCommandLineDefaultsAreTheFirewallsOwnDefaults() {
    RunLimits d = RunLimits.DEFAULTS;
    assertThat(d.conntrackMax()).isEqualTo(CtConfig.defaults().maxEntries());
    assertThat(d.portPacketInRate()).isEqualTo(PacketInGuard.Limits.DEFAULTS.portRate());
    assertThat(2 * d.portPacketInRate()).isEqualTo(PacketInGuard.Limits.DEFAULTS.portBurst());
    assertThat(d.switchPacketInRate()).isEqualTo(PacketInGuard.Limits.DEFAULTS.switchRate());
    assertThat(2 * d.switchPacketInRate()).isEqualTo(PacketInGuard.Limits.DEFAULTS.switchBurst());
    assertThat(d.flowModRate()).isEqualTo(FlowModLimits.DEFAULTS.rate());
    assertThat(d.flowModRate()).isEqualTo(FlowModLimits.DEFAULTS.burst());
  }

  @Test
  void runLimitsReachEveryPartThatEnforcesThem() throws Exception {
    FirewallAssembler assembler = new FirewallAssembler();
    assembler.assemble(new RunOptions(SEED, ControllerConfig.defaults(), ApiConfig.of("off", null),
        new RunLimits(5_000, 300, 3_000, 700)));

    assertThat(((ShardedConnTracker) assembler.firewall().tracker()).config().maxEntries()).isEqualTo(5_000);
    assertThat(assembler.guard().limits()).isEqualTo(new PacketInGuard.Limits(300, 600, 3_000, 6_000));
    FlowModLimits f = assembler.firewall().flowModBudget().limits();
    assertThat(f.rate()).isEqualTo(700);
    assertThat(f.burst()).isEqualTo(700);
    assertThat(f.dropShare()).isEqualTo(FlowModLimits.DEFAULTS.dropShare());
  }

  @Test
  void aRunWithoutClusterOptionsHasNoMemberNoReplicationAndNoFence() throws Exception {
    FirewallAssembler assembler = new FirewallAssembler();
    List<App> apps = assembler.assemble(new RunOptions(SEED, ControllerConfig.defaults(), ApiConfig.of("off", null),
        RunLimits.DEFAULTS));

    assertThat(assembler.cluster()).isEmpty();
    assertThat(assembler.fence()).isEmpty();
    assertThat(apps).extracting(App::name).doesNotContain("cluster-member", "roles");
  }
}
