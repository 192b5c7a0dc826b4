package io.statewall.controller;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on what one switch connection may make the controller hold. A peer needs no credentials to
 * open a connection and start a handshake, so every one of these holds from the first byte.
 *
 * @param maxPorts ports one switch may declare (port-desc, features) or add later (port-status)
 * @param maxHandshakeParts parts of the handshake's port-desc reply (each at most 64 KiB on the wire)
 * @param maxReplyParts parts of a multipart reply the controller collects for an app (each at most
 *     64 KiB on the wire); streamed replies hold one part at a time and are not limited
 * @param maxPendingRequests requests to one switch waiting for their reply; more fail at once
 * @param maxEarlyPacketIns packet-ins held while the switch is in its handshake (delivered when ready)
 * @param maxEarlyPacketInBytes their packet data in bytes, together
 * @param unwritableTimeout a switch whose send buffer stays above the high-water mark this long is dropped
 * @param maxQueuedBytes a switch with more than this queued for it is dropped at once
 * @param identityProbeTimeout how long the live session of a datapath id has to answer an echo when a
 *     new connection claims the same id (answered: the new one is refused; not: the old one is dropped)
 */
public record ChannelLimits(
    int maxPorts,
    int maxHandshakeParts,
    int maxReplyParts,
    int maxPendingRequests,
    int maxEarlyPacketIns,
    int maxEarlyPacketInBytes,
    Duration unwritableTimeout,
    long maxQueuedBytes,
    Duration identityProbeTimeout) {

  /**
   * 4,096 ports (OVS bridges and hardware switches have far fewer), 64 handshake parts (4 MiB), 2,048
   * reply parts (128 MiB on the wire), 16,384 pending requests, 256 early packet-ins in 1 MiB, 10 s
   * unwritable, 64 MiB queued, 2 s to answer the identity probe.
   */
  public static final ChannelLimits DEFAULTS = new ChannelLimits(4_096, 64, 2_048, 16_384, 256, 1 << 20,
      Duration.ofSeconds(10), 64L << 20, Duration.ofSeconds(2));

  public ChannelLimits {
    positive("maxPorts", maxPorts);
    positive("maxHandshakeParts", maxHandshakeParts);
    positive("maxReplyParts", maxReplyParts);
    positive("maxPendingRequests", maxPendingRequests);
    if (maxEarlyPacketIns < 0 || maxEarlyPacketInBytes < 0) {
      throw new IllegalArgumentException("early packet-in limits must not be negative");
    }
    positive("maxQueuedBytes", maxQueuedBytes);
    positive("unwritableTimeout", unwritableTimeout);
    positive("identityProbeTimeout", identityProbeTimeout);
  }

  public ChannelLimits withMaxPorts(int n) {
    return new ChannelLimits(n, maxHandshakeParts, maxReplyParts, maxPendingRequests, maxEarlyPacketIns,
        maxEarlyPacketInBytes, unwritableTimeout, maxQueuedBytes, identityProbeTimeout);
  }

  public ChannelLimits withMaxPendingRequests(int n) {
    return new ChannelLimits(maxPorts, maxHandshakeParts, maxReplyParts, n, maxEarlyPacketIns,
        maxEarlyPacketInBytes, unwritableTimeout, maxQueuedBytes, identityProbeTimeout);
  }

  public ChannelLimits withMaxReplyParts(int n) {
    return new ChannelLimits(maxPorts, maxHandshakeParts, n, maxPendingRequests, maxEarlyPacketIns,
        maxEarlyPacketInBytes, unwritableTimeout, maxQueuedBytes, identityProbeTimeout);
  }

  public ChannelLimits withEarlyPacketIns(int count, int bytes) {
    return new ChannelLimits(maxPorts, maxHandshakeParts, maxReplyParts, maxPendingRequests, count, bytes,
        unwritableTimeout, maxQueuedBytes, identityProbeTimeout);
  }

  public ChannelLimits withUnwritable(Duration timeout, long queuedBytes) {
    return new ChannelLimits(maxPorts, maxHandshakeParts, maxReplyParts, maxPendingRequests, maxEarlyPacketIns,
        maxEarlyPacketInBytes, timeout, queuedBytes, identityProbeTimeout);
  }

  public ChannelLimits withIdentityProbeTimeout(Duration timeout) {
    return new ChannelLimits(maxPorts, maxHandshakeParts, maxReplyParts, maxPendingRequests, maxEarlyPacketIns,
        maxEarlyPacketInBytes, unwritableTimeout, maxQueuedBytes, timeout);
  }

  private static void positive(String name, long value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1: " + value);
    }
  }

  private static void positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }
}
