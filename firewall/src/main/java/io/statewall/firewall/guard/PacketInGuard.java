package io.statewall.firewall.guard;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.SwitchHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packet-in rate limits in the controller, before any app sees the packet: a token bucket per
 * switch port, so that one noisy port cannot starve the others, and one per switch. Packets over
 * the limit are dropped (the sender retries, as after any loss) and counted.
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
      public void switchDisconnected(SwitchHandle sw) {
        switches.remove(sw.id());
        ports.keySet().removeIf(k -> k.sw().equals(sw.id()));
      }
    });
  }

  /** Packet-ins dropped by the limits so far. */
  public long dropped() {
    return dropped.get();
  }

  ListenerResult packetIn(SwitchHandle sw, OFPacketIn pi) {
    long now = nanoClock.getAsLong();
    OFPort in = pi.getVersion() == OFVersion.OF_10 ? pi.getInPort() : pi.getMatch().get(MatchField.IN_PORT);
    int port = in == null ? -1 : in.getPortNumber();
    TokenBucket p = ports.computeIfAbsent(new PortKey(sw.id(), port),
        k -> new TokenBucket(limits.portRate(), limits.portBurst(), now));
    TokenBucket s = switches.computeIfAbsent(sw.id(),
        k -> new TokenBucket(limits.switchRate(), limits.switchBurst(), now));
    if (p.tryTake(now) && s.tryTake(now)) {
      return ListenerResult.CONTINUE;
    }
    if (dropped.incrementAndGet() % 10_000 == 1) {
      log.warn("packet-in limit reached on switch {} port {}: dropping ({} dropped so far)", sw.id(), port,
          dropped.get());
    }
    return ListenerResult.STOP;
  }
}
