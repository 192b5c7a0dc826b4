package io.statewall.operator.source;

import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.topology.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Which tracked connections the switches carry, with which cookie, along which path. */
public interface OffloadView {
  /** Where an offloaded connection's entries are: the path of its original direction and how many entries. */
  record Installed(Path path, int entries) {}

  /** Tracked connections with entries in the switches (or being given them). */
  int size();

  /** Those connections (a copy). */
  Collection<CtEntry> entries();

  /** The cookie {@code entry}'s flow entries carry, as OpenFlow prints it, if the switches carry it. */
  Optional<String> cookie(CtEntry entry);

  /** Where {@code entry}'s entries are, if they are written. */
  Optional<Installed> installed(CtEntry entry);

  /** Every offloaded connection's entries. */
  List<Installed> installed();
}
