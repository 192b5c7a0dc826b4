package io.statewall.firewall;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.switches.SwitchRegistry;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * The controller's switches, for parts built before the controller exists: the controller hands
 * its registry to apps only when it starts them, and this app, started first, passes it on. Until
 * then there are no switches.
 */
public final class StartedSwitches implements SwitchRegistry, App {
  private volatile SwitchRegistry switches;

  @Override
  public String name() {
    return "switches";
  }

  @Override
  public void start(AppContext context) {
    switches = context.switches();
  }

  @Override
  public Optional<SwitchHandle> get(DatapathId id) {
    SwitchRegistry s = switches;
    return s == null ? Optional.empty() : s.get(id);
  }

  @Override
  public Collection<SwitchHandle> ready() {
    SwitchRegistry s = switches;
    return s == null ? List.of() : s.ready();
  }

  @Override
  public Collection<SwitchHandle> all() {
    SwitchRegistry s = switches;
    return s == null ? List.of() : s.all();
  }
}
