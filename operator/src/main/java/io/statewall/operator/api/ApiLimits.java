package io.statewall.operator.api;

import java.time.Duration;

/**
 * What one client may hold of the API: bytes of a request body (counted while it is read, chunked or
 * not), time without a byte, a minimum rate for a body, open connections, and bodies read at once.
 *
 * @param maxPolicyBody bytes of a {@code PUT /api/v1/policy} body (the policy and its rule files)
 * @param maxBody bytes of any other request's body
 * @param idleTimeout a connection that sends nothing (headers or body) for this long is closed
 * @param minBodyRate bytes a second a body must arrive at, on average since the request began, or the
 *     request fails (408); 0: no such bound. Off by default: Jetty averages from the first byte, so a
 *     small body on a busy machine (12 bytes in 20 ms) fell below 1024 B/s and failed; a trickled body
 *     is bounded by the idle timeout and holds one of the few body readers instead
 * @param maxConnections connections open at once; beyond them new ones wait in the kernel's backlog
 * @param maxBodyReaders requests reading a body at once; another is refused with 503 at once
 * @param threads request threads (reading a body holds one, so maxBodyReaders is kept below this)
 */
public record ApiLimits(int maxPolicyBody, int maxBody, Duration idleTimeout, int minBodyRate, int maxConnections,
    int maxBodyReaders, int threads) {
  /** About 40,000 rules; a running policy of 10,000 rules is about 1 MB. */
  public static final ApiLimits DEFAULTS = new ApiLimits(4 * 1024 * 1024, 64 * 1024, Duration.ofSeconds(10), 0,
      64, 2, 16);

  public ApiLimits {
    if (maxBodyReaders < 1 || threads < maxBodyReaders + 4) {
      throw new IllegalArgumentException("the API needs at least 4 threads beyond its body readers");
    }
  }
}
