package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.IpAddress;
import java.util.function.Supplier;

/** What a helper may see and do for the connection it is inspecting. */
public interface HelperContext {

  /** The connection (its tuples give the addresses a command must name). */
  CtEntry entry();

  /** This helper's state for the connection, created by {@code initial} on first use. */
  <T> T state(Class<T> type, Supplier<T> initial);

  /** Outcome of {@link #expect}. */
  enum ExpectResult {
    CREATED,
    /** Another connection already expects the same tuple (Linux: -EBUSY). */
    CLASH,
    /** The expectation table is full. */
    FULL
  }

  /**
   * Expects a TCP/UDP connection from {@code src} (any source port) to {@code dst}:{@code dstPort},
   * replacing this connection's older expectation (one per connection, FTP's max_expected).
   */
  ExpectResult expect(IpAddress src, IpAddress dst, int protocol, int dstPort, long timeoutMillis);
}
