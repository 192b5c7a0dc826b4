package io.statewall.firewall.forwarding;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frames forwarding drops before any rule runs, because no host's rules could have been asked
 * (another ethertype, a frame for one host's MAC and another host's address): counted per reason,
 * logged at most once a second so a flood cannot fill the log.
 */
public final class RefusedFrames {
  private static final Logger LOG = LoggerFactory.getLogger(RefusedFrames.class);
  private static final long LOG_EVERY_NANOS = 1_000_000_000L;

  /** Why a frame was refused. */
  public enum Reason {
    /** An ethertype the policy does not list (not ARP, IPv4, IPv6 or LLDP). */
    ETHERTYPE,
    /** A unicast frame whose destination MAC is not the destination address's owner nor a gateway. */
    FOREIGN_MAC
  }

  private final Map<Reason, LongAdder> counts = new EnumMap<>(Reason.class);
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

  public RefusedFrames() {
    for (Reason r : Reason.values()) {
      counts.put(r, new LongAdder());
    }
  }

  void refuse(Reason reason, Object where, String what) {
    counts.get(reason).increment();
    long now = System.nanoTime();
    long last = lastLog.get();
    if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
      LOG.warn("dropped at {} ({}): {}; {} such frames so far", where, reason, what, counts.get(reason).sum());
    }
  }

  /** Frames refused for {@code reason} since start. */
  public long count(Reason reason) {
    return counts.get(reason).sum();
  }
}
