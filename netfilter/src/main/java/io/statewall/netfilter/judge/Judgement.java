package io.statewall.netfilter.judge;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.policy.Decider;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.rules.Verdict;
import java.util.List;
import java.util.Set;

/**
 * What the firewall decided for one packet and why: the verdict, the rule that decided it, the
 * packet's conntrack state, and which directions of its connection the switches may now carry.
 *
 * @param verdict ACCEPT, DROP or REJECT
 * @param state the conntrack state the rules saw
 * @param decidedBy the deciding rule (or chain policy); null when conntrack or a helper decided
 * @param reason why conntrack or a helper dropped the packet, else null
 * @param install directions to offload, relative to this packet (ORIGINAL: its own direction)
 * @param dropCacheable for a DROP: a short exact drop entry cannot change a later verdict (the
 *     packet starts no connection and the deciding rules ignore per-packet fields)
 * @param reject for a REJECT: the frame to send back to the sender (TCP RST or ICMP error), or null
 * @param logs the LOG targets' lines, in the kernel's format, for the {@code statewall.netfilter} logger
 * @param offloaded the tracked connection whose {@code install} directions the switches may carry, or null
 */
public record Judgement(Verdict verdict, CtState state, Decider decidedBy, String reason,
    Set<CtDirection> install, boolean dropCacheable, byte[] reject, List<LogLine> logs, CtEntry offloaded) {

  public Judgement {
    install = CtDirection.setOf(install);
    logs = List.copyOf(logs);
  }

  /** A judgement with no frame to send, no log lines and nothing offloaded. */
  public Judgement(Verdict verdict, CtState state, Decider decidedBy, String reason, Set<CtDirection> install,
      boolean dropCacheable) {
    this(verdict, state, decidedBy, reason, install, dropCacheable, null, List.of(), null);
  }

  static Judgement dropped(CtState state, Decider by, String reason, List<LogLine> logs) {
    return new Judgement(Verdict.DROP, state, by, reason, Set.of(), false, null, logs, null);
  }

  /** One line of a LOG target, with its syslog level (0-7). */
  public record LogLine(int level, String text) {}

  /** Whether the switches' FIN and RST must still come to conntrack: a TCP connection they now carry. */
  public boolean trapsTeardown() {
    return offloaded != null && offloaded.protocol() == Packet.PROTO_TCP;
  }

  public boolean accepted() {
    return verdict == Verdict.ACCEPT;
  }

  @Override
  public String toString() {
    return verdict + " " + state + (decidedBy != null ? " by " + decidedBy : "")
        + (reason != null ? " (" + reason + ")" : "") + (install.isEmpty() ? "" : " offload " + install);
  }
}
