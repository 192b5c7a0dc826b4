package io.statewall.controller.roles;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.SwitchErrorException;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.switches.SwitchRegistry;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFRequest;
import org.projectfloodlight.openflow.protocol.OFRoleReply;
import org.projectfloodlight.openflow.protocol.OFRoleRequestFailedCode;
import org.projectfloodlight.openflow.protocol.errormsg.OFRoleRequestFailedErrorMsg;
import org.projectfloodlight.openflow.types.DatapathId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells each switch the role the cluster committed for this controller, and opens the
 * {@link WriteFence} only when the switch confirms it master at the committed generation.
 *
 * <p>The order is what makes it safe: a demotion closes the fence before the SLAVE request leaves; a
 * promotion opens it only on the switch's reply, and only if no newer assignment arrived meanwhile. A
 * switch that has seen a higher generation refuses the request as stale, and the fence stays closed.
 * Requests go when a switch becomes ready (after the handshake's own flow-table setup, which a slave
 * could not do) and whenever its assignment changes. Packet-ins from a switch this controller does not
 * master stop here, before any app: another member owns those connections.
 */
public final class RoleRequester implements App {
  private static final Logger LOG = LoggerFactory.getLogger(RoleRequester.class);
  /** Before every other listener: the guards, topology and the firewall only see a master's packet-ins. */
  public static final int PACKET_IN_ORDER = Integer.MIN_VALUE;

  private final RoleSource source;
  private final WriteFence fence;
  private final Map<DatapathId, RoleAssignment> wanted = new ConcurrentHashMap<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong refusedStale = new AtomicLong();
  private volatile SwitchRegistry switches;

  public RoleRequester(RoleSource source, WriteFence fence) {
    this.source = source;
    this.fence = fence;
  }

  @Override
  public String name() {
    return "roles";
  }

  @Override
  public void start(AppContext context) {
    switches = context.switches();
    context.addMessageListener(OFPacketIn.class, PACKET_IN_ORDER,
        (sw, packetIn) -> fence.mayWrite(sw.id()) || fence.admitsRelayed() ? ListenerResult.CONTINUE
            : ListenerResult.STOP);
    context.addSwitchListener(Integer.MIN_VALUE, new SwitchListener() {
      @Override
      public void switchReady(SwitchHandle sw) {
        source.current(sw.id()).ifPresentOrElse(a -> assign(sw, a),
            () -> LOG.info("switch {}: no master committed for it yet: staying out of its way", sw));
      }

      @Override
      public void switchDisconnected(SwitchHandle sw) {
        fence.close(sw.id()); // a new connection starts as EQUAL at the switch: it must be asked again
      }
    });
    source.subscribe(this::assigned);
  }

  /** Role requests sent, and refused by a switch as stale, since start. */
  public long requestsSent() {
    return sent.get();
  }

  public long refusedAsStale() {
    return refusedStale.get();
  }

  private void assigned(RoleAssignment assignment) {
    wanted.put(assignment.dpid(), assignment);
    SwitchRegistry registry = switches;
    if (registry == null) {
      return;
    }
    registry.get(assignment.dpid()).filter(SwitchHandle::isReady).ifPresent(sw -> assign(sw, assignment));
  }

  private void assign(SwitchHandle sw, RoleAssignment assignment) {
    wanted.put(assignment.dpid(), assignment);
    // closed first either way: a demoted master stops now, a promoted one waits for the switch's word
    fence.close(sw.id());
    Optional<OFRequest<? extends OFMessage>> request = RoleMessages.request(sw.factory(), assignment);
    if (request.isEmpty()) {
      LOG.warn("switch {}: OpenFlow {} has no role requests: a cluster cannot share it (connect it to one "
          + "controller only); this controller stays out of its way", sw, sw.version());
      return;
    }
    sent.incrementAndGet();
    sw.request(request.get()).whenComplete((reply, error) -> {
      if (error != null) {
        refused(sw, assignment, error);
        return;
      }
      if (!RoleMessages.confirms(reply, assignment)) {
        LOG.warn("switch {}: answered the {} request (generation {}) with {}: not taking it", sw,
            role(assignment), assignment.generation(), reply);
        return;
      }
      if (!assignment.equals(wanted.get(assignment.dpid()))) {
        LOG.debug("switch {}: confirmed {} but a newer assignment {} came meanwhile", sw, assignment,
            wanted.get(assignment.dpid()));
        return;
      }
      if (assignment.master()) {
        fence.open(assignment.dpid(), assignment.generation());
        LOG.info("switch {}: master, generation {}", sw, assignment.generation());
      } else {
        LOG.info("switch {}: slave, generation {}", sw, assignment.generation());
      }
    });
  }

  private void refused(SwitchHandle sw, RoleAssignment assignment, Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof SwitchErrorException e && e.error() instanceof OFRoleRequestFailedErrorMsg failed) {
      if (failed.getCode() == OFRoleRequestFailedCode.STALE) {
        refusedStale.incrementAndGet();
        LOG.warn("switch {}: refused the {} request as stale: generation {} is older than one it has seen "
            + "(another member is master, or this one's view of the cluster is behind, or the cluster's log "
            + "is younger than the switch)", sw, role(assignment), assignment.generation());
        if (assignment.master()) {
          askGeneration(sw, assignment);
        }
        return;
      }
    }
    LOG.warn("switch {}: the {} request (generation {}) failed: {}", sw, role(assignment),
        assignment.generation(), cause.toString());
  }

  /**
   * After a MASTER request refused as stale: reads the generation the switch has seen (ROLE_NOCHANGE) and
   * tells the source, if the assignment is still the one wanted, so that a cluster restarted with empty
   * logs can move its epoch past the switch's instead of leaving the switch without a master.
   */
  private void askGeneration(SwitchHandle sw, RoleAssignment assignment) {
    RoleMessages.generationQuery(sw.factory()).ifPresent(query -> sw.request(query).whenComplete((reply, error) -> {
      if (error != null || !(reply instanceof OFRoleReply r)) {
        LOG.warn("switch {}: did not tell its generation id ({})", sw, error != null ? error.toString() : reply);
        return;
      }
      if (assignment.equals(wanted.get(assignment.dpid()))) {
        long seen = r.getGenerationId().getValue();
        LOG.info("switch {}: has seen generation {} (asked for {} as MASTER)", sw, seen, assignment.generation());
        source.refusedAsStale(assignment, seen);
      }
    }));
  }

  private static String role(RoleAssignment a) {
    return a.master() ? "MASTER" : "SLAVE";
  }
}
