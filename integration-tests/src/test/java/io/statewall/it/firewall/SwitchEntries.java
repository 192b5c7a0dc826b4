package io.statewall.it.firewall;

import io.statewall.mininet.FlowEntry;
import io.statewall.mininet.OvsSwitch;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

/** What the firewall tests read off a real switch, and their one way of waiting for it. */
public final class SwitchEntries {
  private SwitchEntries() {}

  /** statewall's forwarding entries (not the teardown traps) on {@code sw} whose match contains every part. */
  public static List<FlowEntry> connections(OvsSwitch sw, String... matchParts) {
    return sw.dumpFlows().stream()
        .filter(f -> (f.cookie() >>> 48) == 0x5357)
        // a TCP connection's teardown trap carries its cookie but forwards nothing: it sends to the controller
        .filter(f -> !f.actions().contains("CONTROLLER"))
        .filter(f -> Arrays.stream(matchParts).allMatch(part -> f.match().contains(part)))
        .toList();
  }

  /** Waits until {@code condition} holds; fails saying {@code what} after {@code timeout}. */
  public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout + ": " + what);
      }
      Thread.sleep(50); // polling the switch or the controller: neither offers an event to wait on
    }
  }
}
