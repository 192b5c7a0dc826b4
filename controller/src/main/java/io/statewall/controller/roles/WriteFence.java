package io.statewall.controller.roles;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * Which switches this controller may change now: those where the switch itself confirmed it MASTER
 * (a role reply at the committed generation). Everywhere else, closed. Thread-safe; read by every
 * switch channel's {@link WriteFenceHandler}, written by the {@link RoleRequester}.
 */
public final class WriteFence {
  private final Map<DatapathId, Long> confirmed = new ConcurrentHashMap<>();
  private final AtomicLong fenced = new AtomicLong();

  public boolean mayWrite(DatapathId dpid) {
    return confirmed.containsKey(dpid);
  }

  /** The generation at which the switch confirmed this controller master, if it did. */
  public Optional<Long> masterGeneration(DatapathId dpid) {
    return Optional.ofNullable(confirmed.get(dpid));
  }

  /** How many state-changing messages were held back because this controller was not master. */
  public long fencedWrites() {
    return fenced.get();
  }

  void open(DatapathId dpid, long generation) {
    confirmed.put(dpid, generation);
  }

  void close(DatapathId dpid) {
    confirmed.remove(dpid);
  }

  void countFenced() {
    fenced.incrementAndGet();
  }
}
