package io.statewall.firewall.forwarding;

import io.statewall.topology.Link;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.U64;

/**
 * The records of an {@link OffloadTable} seen by where their entries are: what reroutes, the
 * reconciler and the operator ask of them. Holds nothing of its own. A connection drops out when
 * its last entry reports FLOW_REMOVED (timeouts) or when its entries are removed on purpose.
 */
public final class InstalledConnections {
  private final OffloadTable table;

  InstalledConnections(OffloadTable table) {
    this.table = table;
  }

  /** A view of a table of its own (forwarding without conntrack, tests). */
  public InstalledConnections() {
    this.table = new OffloadTable();
  }

  /** Records (or replaces) a connection whose entries were just written. */
  public void record(InstalledConnection c) {
    table.install(c);
  }

  /**
   * Whether {@code cookie}'s connection is tracked (conntrack behind a firewall keeps it): its TCP
   * entries then leave FIN, SYN and RST to their teardown traps. Forwarding alone tracks nothing.
   */
  public boolean tracked(U64 cookie) {
    return table.entry(cookie).isPresent();
  }

  public Optional<InstalledConnection> get(U64 cookie) {
    Offload o = table.get(cookie);
    return o == null ? Optional.empty() : Optional.ofNullable(o.installed());
  }

  public List<InstalledConnection> using(Link link) {
    List<InstalledConnection> out = new ArrayList<>();
    table.forEachInstalledOn(p -> p.uses(link), out::add);
    return out;
  }

  public List<InstalledConnection> involving(MacAddress mac) {
    List<InstalledConnection> out = new ArrayList<>();
    table.forEachInstalled(c -> {
      if (c.original().ethSrc().equals(mac) || c.original().ethDst().equals(mac)) {
        out.add(c);
      }
    });
    return out;
  }

  /** One entry of {@code cookie} timed out in some switch; the last one forgets the connection. */
  public void entryExpired(U64 cookie) {
    table.entryExpired(cookie);
  }

  /** The connection's entries were removed on purpose; its conntrack link (if any) stays. */
  public void forget(U64 cookie) {
    table.uninstall(cookie);
  }

  /** Every connection with entries now (a copy). */
  public List<InstalledConnection> all() {
    List<InstalledConnection> out = new ArrayList<>();
    table.forEachInstalled(out::add);
    return out;
  }

  public int size() {
    int[] n = {0};
    table.forEachInstalled(c -> n[0]++);
    return n[0];
  }
}
