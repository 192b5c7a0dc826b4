package io.statewall.cluster;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The cluster's one key for signing LLDP probes, committed once through the Raft log (the first
 * leader's), so a probe one member sends is verified by the master of the switch it arrives at.
 */
public final class LldpKey {
  /** HMAC-SHA256's own block of entropy: 256 bits. */
  public static final int LENGTH = 32;

  private final byte[] bytes;

  public LldpKey(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("an LLDP key has " + LENGTH + " bytes, not " + bytes.length);
    }
    this.bytes = bytes.clone();
  }

  /** A fresh key, what a leader proposes when the cluster has none. */
  public static LldpKey random() {
    byte[] k = new byte[LENGTH];
    new SecureRandom().nextBytes(k);
    return new LldpKey(k);
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LldpKey other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Never the key itself: it ends up in logs and assertion messages. */
  @Override
  public String toString() {
    return "LldpKey[" + LENGTH + " bytes]";
  }
}
