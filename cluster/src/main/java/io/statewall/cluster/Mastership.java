package io.statewall.cluster;

import java.util.Objects;
import java.util.Optional;

/**
 * Who is master of one datapath, as committed: the member (none while no ready member reaches the
 * switch) and the epoch. The epoch of a datapath only grows: every change of master increments it, and
 * it goes to the switch as the role request's {@code generation_id}, so a master of an older epoch is
 * refused by the switch itself.
 */
public record Mastership(Optional<String> master, long epoch) {
  public static final Mastership NONE = new Mastership(Optional.empty(), 0);

  public Mastership {
    Objects.requireNonNull(master, "master");
    if (epoch < 0) {
      throw new IllegalArgumentException("negative epoch: " + epoch);
    }
  }

  public boolean isMaster(String member) {
    return master.isPresent() && master.get().equals(member);
  }

  @Override
  public String toString() {
    return master.orElse("(none)") + "@" + epoch;
  }
}
