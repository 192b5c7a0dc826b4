package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.IpAddress;

/**
 * A connection a helper expects: from {@code src} (any source port) to {@code dst}:{@code dstPort}.
 * The first new connection that matches is RELATED to {@link #master()} and consumes it.
 */
public final class Expectation {

  final ExpectKey key;
  final CtEntry master;
  final String helper;
  final long expires;

  Expectation(ExpectKey key, CtEntry master, String helper, long expires) {
    this.key = key;
    this.master = master;
    this.helper = helper;
    this.expires = expires;
  }

  public IpAddress src() {
    return key.src();
  }

  public IpAddress dst() {
    return key.dst();
  }

  public int protocol() {
    return key.protocol();
  }

  public int dstPort() {
    return key.dstPort();
  }

  public CtEntry master() {
    return master;
  }

  public String helper() {
    return helper;
  }

  public long expiresAtMillis() {
    return expires;
  }

  /** The masked tuple expectations are keyed by (source port wildcarded). */
  record ExpectKey(IpAddress src, IpAddress dst, int protocol, int dstPort) {}

  @Override
  public String toString() {
    return "expect " + key + " master " + master;
  }
}
