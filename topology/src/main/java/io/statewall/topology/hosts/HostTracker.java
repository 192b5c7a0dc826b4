package io.statewall.topology.hosts;

import io.statewall.topology.Attachment;
import io.statewall.topology.Host;
import io.statewall.topology.TopologyEvent;
import io.statewall.topology.TopologyEvent.HostLearned;
import io.statewall.topology.TopologyEvent.HostMoved;
import io.statewall.topology.TopologyEvent.HostRemoved;
import java.util.ArrayList;
import java.util.Collection;
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
 * once its owner is forgotten (its port goes down, its switch leaves, or the owner's address list
 * drops it). A host that takes over an address must first disappear from the network, as a replaced
 * machine does when it is unplugged.
 *
 * <p>Writes are serialised by the owner ({@code TopologyManager}); reads are lock-free.
 */
public final class HostTracker {

  /** A host spoofing sources must not grow memory without bound: keep its latest few addresses. */
  static final int MAX_ADDRESSES_PER_HOST = 8;

  private final int maxHosts;
  private final Map<MacAddress, Host> byMac = new ConcurrentHashMap<>();
  private final Map<IPAddress<?>, MacAddress> byAddress = new ConcurrentHashMap<>();

  public HostTracker(int maxHosts) {
    this.maxHosts = maxHosts;
  }

  /** True if {@code s} tells nothing new: same attachment, address already known. Lock-free. */
  public boolean isCurrent(Sighting s) {
    Host h = byMac.get(s.mac());
    return h != null && h.attachment().equals(s.at())
        && (s.address() == null || h.addresses().contains(s.address()));
  }

  /** Records a sighting at an edge port (the caller has checked it is not a link port). */
  public List<TopologyEvent> learn(Sighting s) {
    List<TopologyEvent> events = new ArrayList<>();
    Host old = byMac.get(s.mac());
    if (old == null && byMac.size() >= maxHosts) {
      return events;
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
    byMac.put(s.mac(), host);
    if (old == null) {
      events.add(new HostLearned(host));
    } else if (!old.attachment().equals(s.at())) {
      events.add(new HostMoved(host, old.attachment()));
    } else if (newAddress) {
      events.add(new HostLearned(host));
    }
    return events;
  }

  /** Forgets hosts on a port that went down or turned out to face another switch. */
  public List<TopologyEvent> forgetPort(Attachment port) {
    return forget(h -> h.attachment().equals(port));
  }

  public List<TopologyEvent> forgetSwitch(DatapathId sw) {
    return forget(h -> h.attachment().sw().equals(sw));
  }

  public Optional<Host> byMac(MacAddress mac) {
    return Optional.ofNullable(byMac.get(mac));
  }

  public Optional<Host> byAddress(IPAddress<?> address) {
    MacAddress mac = byAddress.get(address);
    return mac == null ? Optional.empty() : byMac(mac);
  }

  public Collection<Host> hosts() {
    return List.copyOf(byMac.values());
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

  private List<TopologyEvent> forget(Predicate<Host> which) {
    List<TopologyEvent> events = new ArrayList<>();
    for (Host h : List.copyOf(byMac.values())) {
      if (which.test(h)) {
        byMac.remove(h.mac());
        for (IPAddress<?> a : h.addresses()) {
          byAddress.remove(a, h.mac());
        }
        events.add(new HostRemoved(h));
      }
    }
    return events;
  }
}
