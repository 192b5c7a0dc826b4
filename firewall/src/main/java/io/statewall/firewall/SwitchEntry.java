package io.statewall.firewall;

import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.TeardownTraps;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.Packet;
import java.util.Optional;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.OFValueType;
import org.projectfloodlight.openflow.types.TransportPort;

/**
 * One flow entry read back from a switch, as statewall wrote it: the connection direction its exact
 * match names, where it enters, where it sends (none for a drop entry), and whether it is one of
 * the teardown traps beside a connection's entry.
 *
 * @param output the port of its output action; null for a drop entry
 */
public record SwitchEntry(OFFlowStatsEntry stats, OFPort inPort, ExactMatch match, OFPort output, boolean trap) {

  /** The table-miss entry the handshake installs: priority 0, matching everything. */
  public static boolean isTableMiss(OFFlowStatsEntry s) {
    return s.getPriority() == 0 && !s.getMatch().getMatchFields().iterator().hasNext();
  }

  /**
   * Reads {@code s} as one of ours at {@code priority} (a connection's entry, with TCP flags where
   * its direction enters, or a drop entry), {@code priority - 1} (its teardown trap) or {@code
   * priority + 1} (the three traps above it that statewall wrote before session 10); empty when it is not ours, not at those priorities, not an exact
   * connection match, or its cookie is not the one its match gives (entries claiming another
   * connection's cookie are not trusted).
   */
  public static Optional<SwitchEntry> of(OFFlowStatsEntry s, int priority) {
    int p = s.getPriority();
    if (!ConnectionCookie.isOurs(s.getCookie()) || (p != priority && p != priority - 1 && p != priority + 1)) {
      return Optional.empty();
    }
    try {
      Match m = s.getMatch();
      OFPort in = exact(m, MatchField.IN_PORT);
      MacAddress ethSrc = exact(m, MatchField.ETH_SRC);
      MacAddress ethDst = exact(m, MatchField.ETH_DST);
      EthType ethType = exact(m, MatchField.ETH_TYPE);
      if (in == null || ethSrc == null || ethDst == null || ethType == null || m.get(MatchField.IP_PROTO) == null) {
        return Optional.empty();
      }
      Family family = ethType.getValue() == Packet.ETH_IPV6 ? Family.IPV6 : Family.IPV4;
      IPAddress<?> src = family == Family.IPV6 ? exact(m, MatchField.IPV6_SRC) : exact(m, MatchField.IPV4_SRC);
      IPAddress<?> dst = family == Family.IPV6 ? exact(m, MatchField.IPV6_DST) : exact(m, MatchField.IPV4_DST);
      if (src == null || dst == null) {
        return Optional.empty();
      }
      int proto = m.get(MatchField.IP_PROTO).getIpProtocolNumber();
      int sport = -1;
      int dport = -1;
      int type = -1;
      int code = -1;
      if (proto == Packet.PROTO_TCP) {
        sport = port(exact(m, MatchField.TCP_SRC));
        dport = port(exact(m, MatchField.TCP_DST));
      } else if (proto == Packet.PROTO_UDP) {
        sport = port(exact(m, MatchField.UDP_SRC));
        dport = port(exact(m, MatchField.UDP_DST));
      } else if (proto == Packet.PROTO_ICMP && family == Family.IPV4) {
        type = m.get(MatchField.ICMPV4_TYPE) == null ? -1 : m.get(MatchField.ICMPV4_TYPE).getType();
        code = m.get(MatchField.ICMPV4_CODE) == null ? -1 : m.get(MatchField.ICMPV4_CODE).getCode();
      } else if (proto == Packet.PROTO_ICMPV6 && family == Family.IPV6) {
        type = m.get(MatchField.ICMPV6_TYPE) == null ? -1 : m.get(MatchField.ICMPV6_TYPE).getValue();
        code = m.get(MatchField.ICMPV6_CODE) == null ? -1 : m.get(MatchField.ICMPV6_CODE).getValue();
      }
      if ((proto == Packet.PROTO_TCP || proto == Packet.PROTO_UDP) && (sport < 0 || dport < 0)) {
        return Optional.empty();
      }
      int vlan = -1;
      if (m.supports(MatchField.VLAN_VID) && m.isExact(MatchField.VLAN_VID) && m.get(MatchField.VLAN_VID) != null) {
        vlan = m.get(MatchField.VLAN_VID).getVlan();
      }
      ExactMatch em = new ExactMatch(ethType.getValue(), ethSrc, ethDst, vlan, src, dst, proto, sport, dport,
          type, code);
      if (!ConnectionCookie.of(em).equals(s.getCookie())) {
        return Optional.empty();
      }
      OFPort output = TeardownTraps.output(s);
      boolean trap = TeardownTraps.isTrap(s.getVersion(), output);
      if (p != priority && !trap) {
        return Optional.empty(); // beside the entries' priority only traps are ours
      }
      return Optional.of(new SwitchEntry(s, in, em, output, trap));
    } catch (UnsupportedOperationException | IllegalArgumentException | IllegalStateException e) {
      return Optional.empty(); // a match openflowj cannot read as ours is not ours
    }
  }

  private static <T extends OFValueType<T>> T exact(Match m, MatchField<T> f) {
    return m.supports(f) && m.isExact(f) ? m.get(f) : null;
  }

  private static int port(TransportPort p) {
    return p == null ? -1 : p.getPort();
  }
}
