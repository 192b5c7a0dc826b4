package io.statewall.apps.bench;

import java.net.InetSocketAddress;

/**
 * The statewall controller started inside the bench process, on a free loopback port, with a
 * generated policy. The composition root supplies it; the bench only starts, measures and closes.
 *
 * <p>The policy of {@code rules} realistic rules must accept the generator's traffic (TCP SYNs to
 * port 80 between hosts 10.0.s.h of neighbouring switches, see {@link EmulatedNetwork}) only after
 * traversing them, not at the first rule.
 */
public interface InProcessController extends AutoCloseable {
  /** Starts the controller with a generated policy of {@code rules} rules; returns where it listens. */
  InetSocketAddress start(int rules) throws Exception;

  /** Stops it and frees its port and threads. */
  @Override
  void close();
}
