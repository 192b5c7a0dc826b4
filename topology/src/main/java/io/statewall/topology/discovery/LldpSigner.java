package io.statewall.topology.discovery;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks LLDP probes with HMAC-SHA256 under a key only this controller process knows (or,
 * in a cluster, only its members: {@link #useKey}), so a host cannot forge a probe for a switch port it
 * is not.
 */
public final class LldpSigner {

  public static final int SIGNATURE_LENGTH = 32;
  private static final String ALGORITHM = "HmacSHA256";
  private static final byte VERSION = 1;

  private volatile SecretKeySpec key;
  // Mac is not thread-safe: probes are signed on the timer and checked on channel threads; each thread's
  // Mac is rebuilt when the key it was made for is no longer the key
  private final ThreadLocal<KeyedMac> macs = new ThreadLocal<>();

  private record KeyedMac(SecretKeySpec key, Mac mac) {}

  public LldpSigner(byte[] key) {
    this.key = spec(key);
  }

  /**
   * Signs and verifies with {@code key} from now on: a cluster member takes the cluster's key, so the
   * master of the switch a probe arrives at can verify a probe another member sent. A probe signed with
   * the previous key and still in flight then fails verification, and the next round replaces it.
   */
  public void useKey(byte[] key) {
    this.key = spec(key);
  }

  private static SecretKeySpec spec(byte[] key) {
    if (key.length < 16) {
      throw new IllegalArgumentException("HMAC key shorter than 128 bits");
    }
    return new SecretKeySpec(key.clone(), ALGORITHM);
  }

  /** A signer with a fresh 256-bit key: the normal case, one per controller process. */
  public static LldpSigner withRandomKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return new LldpSigner(k);
  }

  public byte[] sign(long dpid, int port, long timestampMillis, int sequence) {
    Mac mac = mac();
    mac.update(ByteBuffer.allocate(25).put(VERSION).putLong(dpid).putInt(port)
        .putLong(timestampMillis).putInt(sequence).array());
    return mac.doFinal();
  }

  /** Constant-time comparison, so timing does not leak how much of a forgery was right. */
  public boolean verify(long dpid, int port, long timestampMillis, int sequence, byte[] signature) {
    return MessageDigest.isEqual(sign(dpid, port, timestampMillis, sequence), signature);
  }

  private Mac mac() {
    SecretKeySpec now = key;
    KeyedMac mine = macs.get();
    if (mine == null || mine.key() != now) {
      mine = new KeyedMac(now, newMac(now));
      macs.set(mine);
    }
    return mine.mac();
  }

  private static Mac newMac(SecretKeySpec key) {
    try {
      Mac m = Mac.getInstance(ALGORITHM);
      m.init(key);
      return m;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required of every JRE", e);
    }
  }
}
