package io.statewall.firewall.guard;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.SwitchHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFMeterConfig;
import org.projectfloodlight.openflow.protocol.OFMeterConfigStatsReply;
import org.projectfloodlight.openflow.protocol.OFMeterFeatures;
import org.projectfloodlight.openflow.protocol.OFMeterFeaturesStatsReply;
import org.projectfloodlight.openflow.protocol.OFMeterFlags;
import org.projectfloodlight.openflow.protocol.OFMeterMod;
import org.projectfloodlight.openflow.protocol.OFMeterModCommand;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortReason;
import org.projectfloodlight.openflow.protocol.OFPortStatus;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.instruction.OFInstruction;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.protocol.meterband.OFMeterBand;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packet-in rate limits in the switch itself, where it has OpenFlow meters (1.3 and later, with
 * packet-per-second drop bands): once a switch is ready, one meter per port on a table-miss entry per
 * port (priority 1, {@code in_port}), so that a noisy port is cut down in the switch and cannot crowd
 * the others out of the control channel, and a switch-wide meter on the priority-0 table-miss entry
 * for traffic of ports not (yet) known. The controller's {@link PacketInGuard} stays in force
 * behind them: it also holds the switch-wide total, which per-port meters alone cannot.
 *
 * <p>The handshake's plain table-miss entry stays until the meters are confirmed by a barrier; a
 * switch that refuses them keeps it and is only limited by the controller. Entries carry {@link
 * #COOKIE_TAG} so that a reconciliation of the switch's flows can recognise and keep them.
 */
public final class TableMissMeters implements App {
  private static final Logger log = LoggerFactory.getLogger(TableMissMeters.class);
  /** After the guard (0): only reacts to switch events. */
  public static final int ORDER = 1;
  /** "MT" in the top 16 bits of the cookie; the meter id in the low 32. */
  public static final long COOKIE_TAG = 0x4D54_0000_0000_0000L;
  /** The switch-wide meter, on the priority-0 table-miss entry. */
  static final long SWITCH_METER = 1;
  /** OFPMBT_DROP's bit in the band-types bitmap. */
  private static final long DROP_BAND = 1L << 1;
  /** OFPMF_PKTPS and OFPMF_BURST in the capabilities. */
  private static final long PKTPS = 1L << 1;
  private static final long BURST = 1L << 2;
  private static final long ALL_METERS = 0xFFFF_FFFFL;
  private static final int NO_BUFFER = 0xFFFF;

  /** A metered switch: how many meters it has and whether its bands take a burst. */
  private record Metered(long maxMeter, boolean burst) {}

  /**
   * Where the meters and entries are written: the process's flow service, so they count against the
   * switch's flow-mod budget and in its counters (guard stays free of forwarding's types).
   */
  @FunctionalInterface
  public interface Writer {
    void write(SwitchHandle sw, List<OFMessage> msgs);

    Writer DIRECT = SwitchHandle::write;
  }

  private final PacketInGuard.Limits limits;
  private final Writer writer;
  private final Map<DatapathId, Metered> metered = new ConcurrentHashMap<>();
  private final Set<String> loggedSkips = ConcurrentHashMap.newKeySet();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicBoolean stopped = new AtomicBoolean();

  public TableMissMeters(PacketInGuard.Limits limits) {
    this(limits, Writer.DIRECT);
  }

  public TableMissMeters(PacketInGuard.Limits limits, Writer writer) {
    this.limits = limits;
    this.writer = writer;
  }

  @Override
  public String name() {
    return "table-miss-meters";
  }

  @Override
  public void start(AppContext context) {
    context.addSwitchListener(ORDER, new SwitchListener() {
      @Override
      public void switchReady(SwitchHandle sw) {
        meter(sw);
      }

      @Override
      public void portChanged(SwitchHandle sw, OFPortStatus status) {
        TableMissMeters.this.portChanged(sw, status);
      }

      @Override
      public void switchDisconnected(SwitchHandle sw) {
        metered.remove(sw.id());
      }
    });
  }

  @Override
  public void stop() {
    stopped.set(true);
  }

  /** Switches whose table-miss entries are metered now. */
  public int meteredSwitches() {
    return metered.size();
  }

  /** Ready switches left to the controller's limits alone (no meters, or refused). */
  public long skippedSwitches() {
    return skipped.get();
  }

  /** Whether a flow entry's cookie is one of these table-miss entries'. */
  public static boolean isOurs(U64 cookie) {
    return (cookie.getValue() & 0xFFFF_0000_0000_0000L) == COOKIE_TAG;
  }

  /** Asks the switch what meters it has, then installs them and the metered table-miss entries. */
  void meter(SwitchHandle sw) {
    if (sw.version().compareTo(OFVersion.OF_13) < 0) {
      skip(sw, "OpenFlow " + sw.version() + " has no meters");
      return;
    }
    sw.requestStats(sw.factory().buildMeterFeaturesStatsRequest().build())
        .thenAccept(replies -> withFeatures(sw, replies))
        .exceptionally(e -> {
          skip(sw, "meter features not answered (" + e + ")");
          return null;
        });
  }

  private void withFeatures(SwitchHandle sw, List<OFMeterFeaturesStatsReply> replies) {
    if (replies.isEmpty()) {
      skip(sw, "empty meter features");
      return;
    }
    OFMeterFeatures f = replies.get(0).getFeatures();
    String why = unsuitable(f);
    if (why != null) {
      skip(sw, why);
      return;
    }
    Metered m = new Metered(f.getMaxMeter(), (f.getCapabilities() & BURST) != 0);
    // ADD on an existing meter fails (a switch that kept its meters over a reconnect): ask first
    sw.requestStats(sw.factory().buildMeterConfigStatsRequest().setMeterId(ALL_METERS).build())
        .handle((configs, e) -> configs == null ? Set.<Long>of() : existing(configs))
        .thenAccept(existing -> program(sw, m, existing));
  }

  /** Why a switch's meter features do not fit (null: they do). */
  static String unsuitable(OFMeterFeatures f) {
    if (f.getMaxMeter() < 1) {
      return "no meters (max_meter 0)";
    }
    if ((f.getBandTypes() & DROP_BAND) == 0) {
      return "no drop band";
    }
    if ((f.getCapabilities() & PKTPS) == 0) {
      return "no packet-per-second meters";
    }
    return null;
  }

  private static Set<Long> existing(List<OFMeterConfigStatsReply> configs) {
    return configs.stream().flatMap(r -> r.getEntries().stream()).map(OFMeterConfig::getMeterId)
        .collect(Collectors.toUnmodifiableSet());
  }

  private void program(SwitchHandle sw, Metered m, Set<Long> existing) {
    if (stopped.get() || !sw.isConnected()) {
      return;
    }
    List<OFMessage> meters = new ArrayList<>();
    List<OFMessage> entries = new ArrayList<>();
    meters.add(meterMod(sw.factory(), existing.contains(SWITCH_METER), SWITCH_METER, limits.switchRate(),
        limits.switchBurst(), m.burst()));
    entries.add(entry(sw.factory(), null, SWITCH_METER));
    for (OFPortDesc p : sw.ports()) {
      long id = portMeter(p.getPortNo(), m);
      if (id > 0) {
        meters.add(meterMod(sw.factory(), existing.contains(id), id, limits.portRate(), limits.portBurst(),
            m.burst()));
        entries.add(entry(sw.factory(), p.getPortNo(), id));
      }
    }
    writer.write(sw, meters);
    // the entries only once the switch has its meters: an entry naming a missing meter is refused
    sw.barrier().thenRun(() -> {
      writer.write(sw, entries);
      metered.put(sw.id(), m);
      log.info("switch {}: packet-ins metered in the switch ({} per port, {} per switch, packets/s)",
          sw.id(), limits.portRate(), limits.switchRate());
    }).exceptionally(e -> {
      skip(sw, "meters not confirmed (" + e + ")");
      return null;
    });
  }

  /** A port that appears gets its meter and entry; one that goes takes them along. */
  void portChanged(SwitchHandle sw, OFPortStatus status) {
    Metered m = metered.get(sw.id());
    if (m == null) {
      return;
    }
    OFPort port = status.getDesc().getPortNo();
    long id = portMeter(port, m);
    if (id <= 0) {
      return;
    }
    OFFactory f = sw.factory();
    if (status.getReason() == OFPortReason.ADD) {
      writer.write(sw, List.of(meterMod(f, false, id, limits.portRate(), limits.portBurst(), m.burst())));
      sw.barrier().thenRun(() -> writer.write(sw, List.of(entry(f, port, id))));
    } else if (status.getReason() == OFPortReason.DELETE) {
      // deleting a meter removes the entries that use it
      writer.write(sw, List.of(f.buildMeterMod().setCommand(OFMeterModCommand.DELETE).setMeterId(id).build()));
    }
  }

  /** The meter of a physical port (0: none, a reserved port or beyond the switch's meters). */
  private static long portMeter(OFPort port, Metered m) {
    int n = port.getPortNumber();
    if (n < 1 || Integer.compareUnsigned(n, OFPort.MAX.getPortNumber()) > 0) {
      return 0;
    }
    long id = (n & 0xFFFF_FFFFL) + 1;
    return id <= m.maxMeter() ? id : 0;
  }

  static OFMeterMod meterMod(OFFactory f, boolean exists, long id, double rate, double burst,
      boolean canBurst) {
    long r = Math.max(1, Math.round(rate));
    long b = canBurst ? Math.max(1, Math.round(burst)) : 0;
    List<OFMeterBand> bands = List.of(f.meterBands().drop(r, b));
    OFMeterMod.Builder mod = f.buildMeterMod()
        .setCommand(exists ? OFMeterModCommand.MODIFY : OFMeterModCommand.ADD)
        .setMeterId(id)
        .setFlags(canBurst ? Set.of(OFMeterFlags.PKTPS, OFMeterFlags.BURST, OFMeterFlags.STATS)
            : Set.of(OFMeterFlags.PKTPS, OFMeterFlags.STATS));
    // the bands field is "meters" in openflowj's 1.3 model and "bands" from 1.4 on
    return (f.getVersion() == OFVersion.OF_13 ? mod.setMeters(bands) : mod.setBands(bands)).build();
  }

  /**
   * A table-miss entry through meter {@code id}: priority 0 matching everything ({@code port}
   * null), or priority 1 matching the port. OpenFlow 1.5 meters with an action, 1.3 and 1.4 with an
   * instruction.
   */
  static OFFlowAdd entry(OFFactory f, OFPort port, long id) {
    Match match = port == null ? f.matchWildcardAll() : f.buildMatch().setExact(MatchField.IN_PORT, port).build();
    OFAction toController = f.actions().buildOutput().setPort(OFPort.CONTROLLER).setMaxLen(NO_BUFFER).build();
    List<OFInstruction> instructions = f.getVersion().compareTo(OFVersion.OF_15) >= 0
        ? List.of(f.instructions().applyActions(List.of(f.actions().meter(id), toController)))
        : List.of(f.instructions().meter(id), f.instructions().applyActions(List.of(toController)));
    return f.buildFlowAdd()
        .setTableId(TableId.ZERO)
        .setPriority(port == null ? 0 : 1)
        .setMatch(match)
        .setCookie(U64.of(COOKIE_TAG | id))
        .setBufferId(OFBufferId.NO_BUFFER)
        .setInstructions(instructions)
        .build();
  }

  private void skip(SwitchHandle sw, String why) {
    skipped.incrementAndGet();
    if (loggedSkips.add(why)) {
      log.info("switch {}: packet-ins limited by the controller only: {}", sw.id(), why);
    }
  }
}
