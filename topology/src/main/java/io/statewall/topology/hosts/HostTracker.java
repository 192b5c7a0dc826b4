package io.statewall.topology.hosts;

import io.statewall.topology.Attachment;
import io.statewall.topology.Host;
import io.statewall.topology.TopologyEvent;
import io.statewall.topology.TopologyEvent.HostLearned;
import io.statewall.topology.TopologyEvent.HostMoved;
import io.statewall.topology.TopologyEvent.HostRemoved;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.MacAddress;

/**
 * Hosts learned from the frames they send: one attachment per MAC (the latest), and the addresses
 * each MAC used as sender.
 *
 * <p>An address belongs to the first MAC seen using it for as long as that host is known: another
 * MAC sending with it (a forged ARP reply, a gratuitous ARP, a spoofed source) does not take it, so
 * a hostile host cannot draw the traffic of another's address to itself. The address is free again
 * once its owner is forgotten (its port goes down, its switch leaves, it ages out, or the owner's
 * address list drops it). A host that takes over an address must first disappear from the network, as
 * a replaced machine does when it is unplugged.
 *
 * <p>Bounded as a Linux bridge's forwarding table is, and against one port's forged sources: a host
 * not seen for {@code maxAge} is forgotten ({@link #expire}); one port holds at most {@code
 * maxPerPort} hosts, and a new one there evicts the port's oldest; when the whole table is full, a
 * new host evicts the oldest of the port holding the most. So a flood of made-up MACs from one port
 * costs that port its hosts, and never stops a real host being learned elsewhere.
 *
 * <p>Writes are serialised by the owner ({@code TopologyManager}); reads are lock-free.
 */
public final class HostTracker {

  /** A host spoofing sources must not grow memory without bound: keep its latest few addresses. */
  static final int MAX_ADDRESSES_PER_HOST = 8;
  /** Linux bridge's default ageing time. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(300);

  /** A host and when it was last seen; replaced whenever the host changes. */
  private static final class Entry {
    final Host host;
    volatile long lastSeenMillis;

    Entry(Host host, long lastSeenMillis) {
      this.host = host;
      this.lastSeenMillis = lastSeenMillis;
    }
  }

  private final int maxHosts;
  private final int maxPerPort;
  private final long maxAgeMillis;
  private final Map<MacAddress, Entry> byMac = new ConcurrentHashMap<>();
  private final Map<IPAddress<?>, MacAddress> byAddress = new ConcurrentHashMap<>();
  /** Each port's hosts, oldest learned first; written under the owner's lock only. */
  private final Map<Attachment, LinkedHashSet<MacAddress>> byPort = new HashMap<>();

  /** A table of {@code maxHosts}, each port up to all of it, no aging (tests of other behaviour). */
  public HostTracker(int maxHosts) {
    this(maxHosts, maxHosts, Duration.ofMillis(Long.MAX_VALUE));
  }

  public HostTracker(int maxHosts, int maxPerPort, Duration maxAge) {
    if (maxHosts < 1 || maxPerPort < 1) {
      throw new IllegalArgumentException("host limits must be at least 1: " + maxHosts + ", " + maxPerPort);
    }
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("host age must be positive: " + maxAge);
    }
    this.maxHosts = maxHosts;
    this.maxPerPort = maxPerPort;
    this.maxAgeMillis = maxAge.toMillis();
  }

  /**
   * True if {@code s} tells nothing new: same attachment, address already known; it refreshes the
   * host's age. Lock-free.
   */
  public boolean isCurrent(Sighting s, long nowMillis) {
    Entry e = byMac.get(s.mac());
    if (e != null && e.host.attachment().equals(s.at())
        && (s.address() == null || e.host.addresses().contains(s.address()))) {
      e.lastSeenMillis = nowMillis;
      return true;
    }
    return false;
  }

  /** Records a sighting at an edge port (the caller has checked it is not a link port). */
  public List<TopologyEvent> learn(Sighting s, long nowMillis) {
    List<TopologyEvent> events = new ArrayList<>();
    Entry oldEntry = byMac.get(s.mac());
    Host old = oldEntry == null ? null : oldEntry.host;
    boolean moves = old == null || !old.attachment().equals(s.at());
    if (moves) {
      makeRoom(s.at(), events);
    }
    Set<IPAddress<?>> addresses = new LinkedHashSet<>(old == null ? Set.of() : old.addresses());
    boolean newAddress = s.address() != null && !addresses.contains(s.address())
        && claim(s.address(), s.mac());
    if (newAddress) {
      addresses.add(s.address());
      while (addresses.size() > MAX_ADDRESSES_PER_HOST) {
        IPAddress<?> oldest = addresses.iterator().next();
        addresses.remove(oldest);
        byAddress.remove(oldest, s.mac());
      }
    }
    Host host = new Host(s.mac(), s.at(), addresses);
    byMac.put(s.mac(), new Entry(host, nowMillis));
    if (moves) {
      if (old != null) {
        leavePort(old);
      }
      byPort.computeIfAbsent(s.at(), k -> new LinkedHashSet<>()).add(s.mac());
    }
    if (old == null) {
      events.add(new HostLearned(host));
    } else if (!old.attachment().equals(s.at())) {
      events.add(new HostMoved(host, old.attachment()));
    } else if (newAddress) {
      events.add(new HostLearned(host));
    }
    return events;
  }

  /** Forgets hosts not seen for the maximum age. */
  public List<TopologyEvent> expire(long nowMillis) {
    return forget(e -> nowMillis - e.lastSeenMillis >= maxAgeMillis);
  }

  /** Forgets hosts on a port that went down or turned out to face another switch. */
  public List<TopologyEvent> forgetPort(Attachment port) {
    return forget(e -> e.host.attachment().equals(port));
  }

  public List<TopologyEvent> forgetSwitch(DatapathId sw) {
    return forget(e -> e.host.attachment().sw().equals(sw));
  }

  /**
   * An empty table with this one's limits and age: where a cluster member keeps the hosts of a switch it
   * handed over ({@link #moveSwitch}).
   */
  public HostTracker emptyLike() {
    return new HostTracker(maxHosts, maxPerPort, Duration.ofMillis(maxAgeMillis));
  }

  /**
   * Moves the hosts at switch {@code sw} into {@code to}, each keeping when it was last seen (so it ages
   * there as it would have here); a MAC {@code to} has already stays as {@code to} has it, and an address
   * another host holds in {@code to} is left behind. No events: the hosts are still known, elsewhere.
   */
  public void moveSwitch(DatapathId sw, HostTracker to) {
    for (Entry e : List.copyOf(byMac.values())) {
      if (e.host.attachment().sw().equals(sw)) {
        remove(e.host);
        to.adopt(e);
      }
    }
  }

  private void adopt(Entry e) {
    if (byMac.containsKey(e.host.mac())) {
      return;
    }
    makeRoom(e.host.attachment(), new ArrayList<>());
    Set<IPAddress<?>> addresses = new LinkedHashSet<>();
    for (IPAddress<?> a : e.host.addresses()) {
      if (claim(a, e.host.mac())) {
        addresses.add(a);
      }
    }
    Host host = e.host.withAddresses(addresses);
    byMac.put(host.mac(), new Entry(host, e.lastSeenMillis));
    byPort.computeIfAbsent(host.attachment(), k -> new LinkedHashSet<>()).add(host.mac());
  }

  public Optional<Host> byMac(MacAddress mac) {
    Entry e = byMac.get(mac);
    return e == null ? Optional.empty() : Optional.of(e.host);
  }

  public Optional<Host> byAddress(IPAddress<?> address) {
    MacAddress mac = byAddress.get(address);
    return mac == null ? Optional.empty() : byMac(mac);
  }

  public Collection<Host> hosts() {
    return byMac.values().stream().map(e -> e.host).toList();
  }

  /** A host is about to arrive at {@code port}: evict what the per-port and whole-table limits ask. */
  private void makeRoom(Attachment port, List<TopologyEvent> events) {
    LinkedHashSet<MacAddress> here = byPort.get(port);
    if (here != null && here.size() >= maxPerPort) {
      evictOldest(here, events);
    }
    if (byMac.size() >= maxHosts) {
      LinkedHashSet<MacAddress> fullest = null;
      for (LinkedHashSet<MacAddress> macs : byPort.values()) {
        if (fullest == null || macs.size() > fullest.size()) {
          fullest = macs;
        }
      }
      if (fullest != null && !fullest.isEmpty()) {
        evictOldest(fullest, events);
      }
    }
  }

  private void evictOldest(LinkedHashSet<MacAddress> port, List<TopologyEvent> events) {
    MacAddress oldest = port.iterator().next();
    Entry e = byMac.get(oldest);
    if (e == null) {
      port.remove(oldest);
      return;
    }
    remove(e.host);
    events.add(new HostRemoved(e.host));
  }

  /** Binds {@code address} to {@code mac} unless another host that is still known owns it. */
  private boolean claim(IPAddress<?> address, MacAddress mac) {
    MacAddress owner = byAddress.get(address);
    if (owner != null && !owner.equals(mac) && byMac.containsKey(owner)) {
      return false;
    }
    byAddress.put(address, mac);
    return true;
  }

  private List<TopologyEvent> forget(Predicate<Entry> which) {
    List<TopologyEvent> events = new ArrayList<>();
    for (Entry e : List.copyOf(byMac.values())) {
      if (which.test(e)) {
        remove(e.host);
        events.add(new HostRemoved(e.host));
      }
    }
    return events;
  }

  private void remove(Host h) {
    byMac.remove(h.mac());
    for (IPAddress<?> a : h.addresses()) {
      byAddress.remove(a, h.mac());
    }
    leavePort(h);
  }

  private void leavePort(Host h) {
    LinkedHashSet<MacAddress> macs = byPort.get(h.attachment());
    if (macs != null) {
      macs.remove(h.mac());
      if (macs.isEmpty()) {
        byPort.remove(h.attachment());
      }
    }
  }
}
