package io.statewall.firewall;

import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyService;
import java.util.List;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFFlowStatsReply;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.OFGroup;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps conntrack's view of offloaded connections alive: a UDP or ICMP flow that the switches carry
 * for longer than its conntrack timeout would otherwise expire while it runs, and its next packet at
 * the controller would look NEW. Reads the switches' counters of our entries periodically and
 * refreshes each connection whose packets went on, as its own packets would on Linux.
 */
final class OffloadRefresher {
  private static final Logger log = LoggerFactory.getLogger(OffloadRefresher.class);

  private final SwitchRegistry switches;
  private final TopologyService topology;
  private final OffloadIndex offloads;
  private final ConnTracker tracker;

  OffloadRefresher(SwitchRegistry switches, TopologyService topology, OffloadIndex offloads, ConnTracker tracker) {
    this.switches = switches;
    this.topology = topology;
    this.offloads = offloads;
    this.tracker = tracker;
  }

  /** Asks every switch for the counters of our entries; replies are applied as they come. */
  void refresh() {
    if (offloads.size() == 0) {
      return;
    }
    for (SwitchHandle sw : switches.ready()) {
      if (sw.version() == OFVersion.OF_10) {
        continue; // FLOW_REMOVED alone stands in: 1.0 cannot select entries by cookie
      }
      // part by part: with a million offloaded connections the whole reply would not fit the heap
      sw.streamStats(sw.factory().buildFlowStatsRequest().setTableId(TableId.ALL).setOutPort(OFPort.ANY)
              .setOutGroup(OFGroup.ANY).setCookie(U64.of(ConnectionCookie.TAG))
              .setCookieMask(U64.of(ConnectionCookie.TAG_MASK)).build(),
              (OFFlowStatsReply part) -> apply(sw, List.of(part)))
          .whenComplete((parts, error) -> {
            if (error != null) {
              log.debug("flow statistics from {}: {}", sw.id(), error.toString());
            }
          });
    }
  }

  void apply(SwitchHandle sw, List<OFFlowStatsReply> replies) {
    for (OFFlowStatsReply reply : replies) {
      for (OFFlowStatsEntry s : reply.getEntries()) {
        Match m = s.getMatch();
        OFPort in = m.get(MatchField.IN_PORT);
        if (in == null || topology.isInterSwitchPort(new Attachment(sw.id(), in))) {
          continue; // count each direction once, where it enters the network
        }
        offloads.entry(s.getCookie()).ifPresent(e -> {
          OffloadState state = OffloadIndex.state(e);
          if (state == null) {
            return; // forgotten meanwhile
          }
          CtDirection dir = direction(e, m);
          long[] added = state.advance(dir, s.getPacketCount().getValue(), s.getByteCount().getValue());
          if (added[0] > 0) {
            tracker.touch(e, added[0], added[1], dir);
          }
        });
      }
    }
  }

  static CtDirection direction(CtEntry e, Match m) {
    IpAddress src = null;
    if (m.get(MatchField.IPV4_SRC) != null) {
      src = IpAddress.v4(m.get(MatchField.IPV4_SRC).getInt());
    } else if (m.get(MatchField.IPV6_SRC) != null) {
      src = IpAddress.of(m.get(MatchField.IPV6_SRC).getBytes(), 0, true);
    }
    return e.tuple(CtDirection.ORIGINAL).src().equals(src) ? CtDirection.ORIGINAL : CtDirection.REPLY;
  }
}
