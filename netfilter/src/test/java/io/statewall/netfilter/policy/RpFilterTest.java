package io.statewall.netfilter.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.rules.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** -m rpfilter in the network's raw PREROUTING, decided from a fake topology view (a map of where hosts live). */
class RpFilterTest {
  @TempDir Path dir;

  static final SwitchPort P1 = new SwitchPort("1", "s1", 1);
  static final SwitchPort P2 = new SwitchPort("1", "s1", 2);
  /** 10.0.0.1 lives at port 1, 10.0.0.2 at port 2; nothing else is known. */
  static final Map<IpAddress, SwitchPort> WHERE = Map.of(IpAddress.parse("10.0.0.1"), P1,
      IpAddress.parse("10.0.0.2"), P2);
  static final ReversePath TOPOLOGY = (src, in, loose) -> WHERE.containsKey(src) && (loose || WHERE.get(src).equals(in));

  private Policy policy(String rules) throws Exception {
    Files.writeString(dir.resolve("net.rules"), "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n" + rules
        + "\nCOMMIT\n");
    return new PolicyLoader().load(Files.writeString(dir.resolve("p.yaml"), "network:\n  rules: net.rules\n"));
  }

  private static Verdict raw(Policy pol, String src, String dst, SwitchPort in, ReversePath view) {
    Packet p = Packet.builder().addresses(src, dst).udp(68, 67).build();
    return pol.raw(p, new PathContext(null, null, in, null, false, false, view)).verdict();
  }

  @Test
  void strictModeWantsTheSourceBehindTheIngressPort() throws Exception {
    Policy pol = policy("-A PREROUTING -m rpfilter --invert -j DROP");
    assertThat(raw(pol, "10.0.0.1", "10.0.0.2", P1, TOPOLOGY)).isEqualTo(Verdict.ACCEPT);
    assertThat(raw(pol, "10.0.0.1", "10.0.0.2", P2, TOPOLOGY)).as("spoofed from port 2").isEqualTo(Verdict.DROP);
    assertThat(raw(pol, "10.0.0.9", "10.0.0.2", P1, TOPOLOGY)).as("an address nobody has").isEqualTo(Verdict.DROP);
    // a DHCP client has no address yet: 0.0.0.0 to the broadcast passes, as rpfilter_mt lets it
    assertThat(raw(pol, "0.0.0.0", "255.255.255.255", P2, TOPOLOGY)).isEqualTo(Verdict.ACCEPT);
    // without a topology view (policy check, traces) nothing is ruled out
    assertThat(raw(pol, "10.0.0.1", "10.0.0.2", P2, ReversePath.UNLOCATED)).isEqualTo(Verdict.ACCEPT);
  }

  @Test
  void looseModeWantsTheSourceSomewhere() throws Exception {
    Policy pol = policy("-A PREROUTING -m rpfilter --loose --invert -j DROP");
    assertThat(raw(pol, "10.0.0.1", "10.0.0.2", P2, TOPOLOGY)).isEqualTo(Verdict.ACCEPT);
    assertThat(raw(pol, "10.0.0.9", "10.0.0.2", P2, TOPOLOGY)).isEqualTo(Verdict.DROP);
  }

  @Test
  void withoutInvertTheMatchSelectsTheGoodPackets() throws Exception {
    Policy pol = policy("-A PREROUTING -m rpfilter -j ACCEPT\n-A PREROUTING -j DROP");
    assertThat(raw(pol, "10.0.0.2", "10.0.0.1", P2, TOPOLOGY)).isEqualTo(Verdict.ACCEPT);
    assertThat(raw(pol, "10.0.0.2", "10.0.0.1", P1, TOPOLOGY)).isEqualTo(Verdict.DROP);
  }
}
