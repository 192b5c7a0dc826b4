package io.statewall.controller.switches;

import java.util.Collection;
import java.util.Optional;
import org.projectfloodlight.openflow.types.DatapathId;

/** The switches that are connected now, by datapath id. */
public interface SwitchRegistry {
  Optional<SwitchHandle> get(DatapathId id);

  /** The switches whose handshake has completed. */
  Collection<SwitchHandle> ready();

  /** Every connected switch, ready or still in its handshake. */
  Collection<SwitchHandle> all();
}
