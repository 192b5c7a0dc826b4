package io.statewall.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.FlowModBudget;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyReloaderTest {
  @TempDir Path dir;

  private FirewallApp firewall(Path policy) throws Exception {
    return FirewallApp.standalone(new FirewallParts.Inputs(new PolicyHolder(new PolicyLoader().load(policy)),
        new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of()),
        TopologyApp.create(TopologySettings.DEFAULTS).service(), FirewallSettings.DEFAULTS,
        Firewall.DecisionListener.NONE, FlowModBudget.defaults()));
  }

  private Path policyWith(String rules) throws Exception {
    Files.writeString(dir.resolve("h.rules"), rules);
    return Files.writeString(dir.resolve("policy.yaml"), "hosts:\n  - address: 10.0.0.1\n    rules: h.rules\n");
  }

  @Test
  void aGoodFileReplacesThePolicyAndABadOneKeepsIt() throws Exception {
    Path policy = policyWith("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n");
    FirewallApp fw = firewall(policy);
    PolicyReloader reloader = new PolicyReloader(policy, new PolicyLoader(), fw, false);
    Policy first = fw.policies().current();

    Files.writeString(dir.resolve("h.rules"), "*filter\n:INPUT DROP [0:0]\nCOMMIT\n");
    assertThat(reloader.reload("test")).isTrue();
    Policy second = fw.policies().current();
    assertThat(second).isNotSameAs(first);
    assertThat(second.hostFor(IpAddress.parse("10.0.0.1"))).isNotNull();

    Files.writeString(dir.resolve("h.rules"), "*filter\n-A INPUT --bogus\nCOMMIT\n");
    assertThat(reloader.reload("test")).isFalse();
    assertThat(fw.policies().current()).isSameAs(second);
  }

  @Test
  void aChangedRuleFileIsPickedUpByTheWatcher() throws Exception {
    Path policy = policyWith("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n");
    FirewallApp fw = firewall(policy);
    PolicyReloader reloader = new PolicyReloader(policy, new PolicyLoader(), fw, false);
    Policy first = fw.policies().current();
    reloader.start(null);
    try {
      Files.writeString(dir.resolve("h.rules"), "*filter\n:INPUT DROP [0:0]\nCOMMIT\n");
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (fw.policies().current() == first && System.nanoTime() < deadline) {
        Thread.onSpinWait();
        Thread.sleep(20);
      }
      assertThat(fw.policies().current()).isNotSameAs(first);
    } finally {
      reloader.stop();
    }
  }
}
