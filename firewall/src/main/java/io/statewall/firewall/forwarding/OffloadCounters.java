package io.statewall.firewall.forwarding;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.AppScheduler;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyService;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.projectfloodlight.openflow.protocol.OFFlowRemoved;
import org.projectfloodlight.openflow.protocol.OFFlowRemovedReason;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFFlowStatsReply;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFGroup;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switches' counters of offloaded connections, the one place that hears them: FLOW_REMOVED
 * (an entry idled out: its direction carried traffic until then, and the table loses the entry)
 * and periodic flow statistics (a UDP or ICMP flow the switches carry for longer than its conntrack
 * timeout would otherwise expire while it runs, and its next packet at the controller look NEW).
 * Both reach conntrack through {@link Carried}, as the connection's own packets would on Linux,
 * counted once, at the switch where each direction enters the network.
 */
public final class OffloadCounters implements App {
  private static final Logger log = LoggerFactory.getLogger(OffloadCounters.class);
  /** Before forwarding's packet-ins (100), as conntrack heard of expired entries before. */
  public static final int FLOW_REMOVED_ORDER = 90;

  /** Where carried traffic is counted: conntrack's {@code touch}. */
  @FunctionalInterface
  public interface Carried {
    void carried(CtEntry entry, long packets, long bytes, CtDirection direction);

    /** Forwarding without conntrack: nothing to count into. */
    Carried NONE = (e, p, b, d) -> {};
  }

  private final TopologyService topology;
  private final OffloadTable table;
  private final Carried carried;
  private final int statsSeconds;
  private SwitchRegistry switches;
  private ScheduledFuture<?> polling;

  /** Statistics every {@code statsSeconds} (0: FLOW_REMOVED only). */
  public OffloadCounters(TopologyService topology, OffloadTable table, Carried carried, int statsSeconds) {
    this.topology = topology;
    this.table = table;
    this.carried = carried;
    this.statsSeconds = statsSeconds;
  }

  @Override
  public String name() {
    return "offload-counters";
  }

  @Override
  public void start(AppContext context) {
    switches = context.switches();
    context.addMessageListener(OFFlowRemoved.class, FLOW_REMOVED_ORDER, this::flowRemoved);
    if (statsSeconds > 0) {
      polling = context.scheduler().scheduleWithFixedDelay(AppScheduler.named("offload-stats", this::poll), statsSeconds,
          statsSeconds,
          TimeUnit.SECONDS);
    }
  }

  @Override
  public void stop() {
    if (polling != null) {
      polling.cancel(false);
    }
  }

  public OffloadTable table() {
    return table;
  }

  /** An entry that idled out: conntrack counts its direction's traffic, the table loses the entry. */
  public ListenerResult flowRemoved(SwitchHandle sw, OFFlowRemoved fr) {
    removed(sw.id(), fr);
    return ListenerResult.CONTINUE;
  }

  /**
   * The same for an entry of switch {@code sw} whose FLOW_REMOVED reached another controller first (a
   * cluster member relays those of the connections another member owns to their owner).
   */
  public void removed(DatapathId sw, OFFlowRemoved fr) {
    // deletes are ours (reroutes, policy changes): only timeouts say the traffic stopped
    if (!ConnectionCookie.isOurs(fr.getCookie()) || fr.getReason() == OFFlowRemovedReason.DELETE) {
      return;
    }
    Offload o = table.get(fr.getCookie());
    CtEntry e = o == null ? null : o.entry();
    OFPort in = inPort(fr.getMatch());
    if (e != null && in != null && !topology.isInterSwitchPort(new Attachment(sw, in))) {
      // what the statistics rounds read of this entry was counted then: only the rest is new
      CtDirection dir = direction(e, fr.getMatch());
      long[] added = o.advance(dir, fr.getPacketCount().getValue(), fr.getByteCount().getValue());
      if (added[0] > 0) {
        carried.carried(e, added[0], added[1], dir);
      }
    }
    table.entryExpired(fr.getCookie());
  }

  /** Asks every switch for the counters of our entries; replies are applied as they come. */
  public void poll() {
    if (table.size() == 0) {
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

  /** Counts what {@code sw}'s entries carried since the last reading. */
  public void apply(SwitchHandle sw, List<OFFlowStatsReply> replies) {
    for (OFFlowStatsReply reply : replies) {
      for (OFFlowStatsEntry s : reply.getEntries()) {
        Match m = s.getMatch();
        OFPort in = m.get(MatchField.IN_PORT);
        // a trap shares its entry's cookie and port, but what it matched went to the controller, which
        // counted it; read as the entry's, its low count looked like a rewritten entry's
        if (in == null || TeardownTraps.isTrap(s) || topology.isInterSwitchPort(new Attachment(sw.id(), in))) {
          continue;
        }
        Offload o = table.get(s.getCookie());
        CtEntry e = o == null ? null : o.entry();
        if (e == null) {
          continue; // forgotten meanwhile, or never tracked
        }
        CtDirection dir = direction(e, m);
        long[] added = o.advance(dir, s.getPacketCount().getValue(), s.getByteCount().getValue());
        if (added[0] > 0) {
          carried.carried(e, added[0], added[1], dir);
        }
      }
    }
  }

  private static OFPort inPort(Match m) {
    return m.supports(MatchField.IN_PORT) && m.get(MatchField.IN_PORT) != null ? m.get(MatchField.IN_PORT) : null;
  }

  static CtDirection direction(CtEntry e, Match m) {
    IpAddress src = null;
    if (m.get(MatchField.IPV4_SRC) != null) {
      src = IpAddress.v4(m.get(MatchField.IPV4_SRC).getInt());
    } else if (m.get(MatchField.IPV6_SRC) != null) {
      src = IpAddress.of(m.get(MatchField.IPV6_SRC).getBytes(), 0, Family.IPV6);
    }
    return e.tuple(CtDirection.ORIGINAL).src().equals(src) ? CtDirection.ORIGINAL : CtDirection.REPLY;
  }
}
