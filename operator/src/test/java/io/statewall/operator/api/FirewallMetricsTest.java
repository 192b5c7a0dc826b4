package io.statewall.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.judge.Judgement;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.Decider;
import io.statewall.netfilter.rules.Verdict;
import io.statewall.topology.Attachment;
import io.statewall.topology.fakes.FakeSwitch;
import io.statewall.controller.ChannelStats;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFBadRequestCode;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;

/** The metrics' own listeners: packet-ins by switch, errors, verdicts, and latency from arrival to verdict. */
class FirewallMetricsTest {
  final FirewallMetrics metrics = new FirewallMetrics();
  final FakeSwitch s1 = FakeSwitch.of13(1, 1, 2);
  final FakeSwitch s2 = FakeSwitch.of13(2, 1, 2);

  @Test
  void packetInsAreCountedBySwitch() {
    metrics.packetIn(s1, s1.packetIn(1, new byte[60]));
    metrics.packetIn(s1, s1.packetIn(2, new byte[60]));
    metrics.packetIn(s2, s2.packetIn(1, new byte[60]));
    assertThat(metrics.scrape())
        .contains("statewall_packet_ins_total{switch=\"0000000000000001\"} 2.0")
        .contains("statewall_packet_ins_total{switch=\"0000000000000002\"} 1.0");
  }

  @Test
  void aVerdictAfterAPacketInIsTimedAndOneWithoutIsNot() {
    Packet p = Packet.builder().addresses("10.0.0.9", "10.0.0.1").tcp(1, 22, Packet.TCP_SYN).build();
    Judgement drop = new Judgement(Verdict.DROP, CtState.NEW,
        new Decider("host 10.0.0.1 rules", "x.rules", 0, "policy DROP of INPUT", "INPUT"), null, Set.of(), false);
    metrics.packetIn(s1, s1.packetIn(1, new byte[60]));
    metrics.decided(p, Attachment.of(1, 1), drop);
    metrics.decided(p, Attachment.of(1, 1), drop);
    String text = metrics.scrape();
    assertThat(text).contains("statewall_verdicts_total{action=\"DROP\",chain=\"INPUT\"} 2.0")
        .contains("statewall_decision_latency_seconds_count 1");
  }

  @Test
  void openFlowErrorsAreCountedBySwitchAndType() {
    OFErrorMsg e = s1.factory().errorMsgs().buildBadRequestErrorMsg().setCode(OFBadRequestCode.BAD_TYPE).build();
    metrics.error(s1, e);
    assertThat(metrics.scrape()).contains("statewall_openflow_errors_total{switch=\"0000000000000001\",type=\"BAD_REQUEST\"} 1.0");
  }

  @Test
  void rogueSwitchesAndChannelBoundsAreExposed() {
    ChannelStats channels = new ChannelStats();
    channels.refused(ChannelStats.Refusal.LIVE_DUPLICATE);
    channels.refused(ChannelStats.Refusal.LIVE_DUPLICATE);
    channels.staleSessionReplaced();
    channels.dropped(ChannelStats.Limit.UNWRITABLE);
    channels.disconnected(ChannelStats.Limit.PORTS);
    channels.earlyPacketInDelivered();
    metrics.watch(channels);

    assertThat(metrics.scrape())
        .contains("statewall_switches_refused_total{reason=\"live_duplicate\"} 2.0")
        .contains("statewall_switch_sessions_replaced_total 1.0")
        .contains("statewall_channel_limit_drops_total{limit=\"unwritable\"} 1.0")
        .contains("statewall_channel_limit_disconnects_total{limit=\"ports\"} 1.0")
        .contains("statewall_early_packet_ins_delivered_total 1.0");
  }
}
