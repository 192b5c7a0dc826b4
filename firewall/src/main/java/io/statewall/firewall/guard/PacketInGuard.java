package io.statewall.firewall.guard;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.logging.RateLimitedLog;
import io.statewall.controller.switches.SwitchHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPortReason;
import org.projectfloodlight.openflow.protocol.OFPortStatus;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packet-in rate limits in the controller, before any app sees the packet: a token bucket per
 * switch, and one per switch port so that one noisy port cannot starve the others. Packets over
 * the limit are dropped (the sender retries, as after any loss) and counted.
 *
 * <p>The in_port is the switch's word: the switch-wide limit is checked first, and a port bucket
 * exists only for a port the switch declared (port-desc, port-status), dropped when the port goes,
 * so a flood of made-up port numbers costs no memory.
 */
public final class PacketInGuard implements App {
  private static final Logger log = LoggerFactory.getLogger(PacketInGuard.class);
  /** Before topology (10) and everything else. */
  public static final int ORDER = 0;

  /**
   * @param portRate packet-ins a second one switch port may cause
   * @param portBurst how many it may cause at once
   * @param switchRate packet-ins a second one switch may cause
   * @param switchBurst how many it may cause at once
   */
  public record Limits(double portRate, double portBurst, double switchRate, double switchBurst) {
    public static final Limits DEFAULTS = new Limits(20_000, 40_000, 200_000, 400_000);
  }

  private record PortKey(DatapathId sw, int port) {}

  private final Limits limits;
  private final LongSupplier nanoClock;
  private final Map<PortKey, TokenBucket> ports = new ConcurrentHashMap<>();
  private final Map<DatapathId, TokenBucket> switches = new ConcurrentHashMap<>();
  private final AtomicLong dropped = new AtomicLong();
  private final RateLimitedLog drops = RateLimitedLog.warn(log);

  /** The limits this guard enforces. */
  public Limits limits() {
    return limits;
  }

  public PacketInGuard(Limits limits, LongSupplier nanoClock) {
    this.limits = limits;
    this.nanoClock = nanoClock;
  }

  @Override
  public String name() {
    return "packet-in-guard";
  }

  @Override
  public void start(AppContext context) {
    context.addMessageListener(OFPacketIn.class, ORDER, this::packetIn);
    context.addSwitchListener(ORDER, new SwitchListener() {
      @Override
      public void portChanged(SwitchHandle sw, OFPortStatus status) {
        PacketInGuard.this.portChanged(sw, status);
      }

      @Override
      public void switchDisconnected(SwitchHandle sw) {
        PacketInGuard.this.switchDisconnected(sw);
      }
    });
  }

  void portChanged(SwitchHandle sw, OFPortStatus status) {
    if (status.getReason() == OFPortReason.DELETE) {
      ports.remove(new PortKey(sw.id(), status.getDesc().getPortNo().getPortNumber()));
    }
  }

  void switchDisconnected(SwitchHandle sw) {
    switches.remove(sw.id());
    ports.keySet().removeIf(k -> k.sw().equals(sw.id()));
  }

  /** Port buckets held now (one per declared port that has sent a packet-in). */
  public int portBuckets() {
    return ports.size();
  }

  /** Packet-ins dropped by the limits so far. */
  public long dropped() {
    return dropped.get();
  }

  ListenerResult packetIn(SwitchHandle sw, OFPacketIn pi) {
    long now = nanoClock.getAsLong();
    OFPort in = pi.getVersion() == OFVersion.OF_10 ? pi.getInPort() : pi.getMatch().get(MatchField.IN_PORT);
    int port = in == null ? -1 : in.getPortNumber();
    TokenBucket s = switches.computeIfAbsent(sw.id(),
        k -> new TokenBucket(limits.switchRate(), limits.switchBurst(), now));
    // the switch's budget is looked at first (no per-port work when it is spent) but only spent on
    // packets that pass their port's limit too, so a noisy port cannot use up the others' share
    if (s.available(now) < 1) {
      return drop(sw, "switch", port);
    }
    if (in != null && sw.port(in).isPresent()) {
      TokenBucket p = ports.computeIfAbsent(new PortKey(sw.id(), port),
          k -> new TokenBucket(limits.portRate(), limits.portBurst(), now));
      if (!p.tryTake(now)) {
        return drop(sw, "port", port);
      }
    } // else not a declared port: the switch-wide limit alone, and no state kept for it
    return s.tryTake(now) ? ListenerResult.CONTINUE : drop(sw, "switch", port);
  }

  private ListenerResult drop(SwitchHandle sw, String limit, int port) {
    long total = dropped.incrementAndGet();
    drops.log("packet-in {} limit reached on switch {} port {}: dropping ({} dropped so far)", limit, sw.id(),
        port, total);
    return ListenerResult.STOP;
  }
}
