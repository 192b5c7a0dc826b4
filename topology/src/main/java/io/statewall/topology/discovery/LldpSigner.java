package io.statewall.topology.discovery;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks LLDP probes with HMAC-SHA256 under a key only this controller process knows,
 * so a host cannot forge a probe for a switch port it is not.
 */
public final class LldpSigner {

  public static final int SIGNATURE_LENGTH = 32;
  private static final String ALGORITHM = "HmacSHA256";
  private static final byte VERSION = 1;

  private final SecretKeySpec key;
  // Mac is not thread-safe: probes are signed on the timer and checked on channel threads.
  private final ThreadLocal<Mac> macs;

  public LldpSigner(byte[] key) {
    if (key.length < 16) {
      throw new IllegalArgumentException("HMAC key shorter than 128 bits");
    }
    this.key = new SecretKeySpec(key.clone(), ALGORITHM);
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  /** A signer with a fresh 256-bit key: the normal case, one per controller process. */
  public static LldpSigner withRandomKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return new LldpSigner(k);
  }

  public byte[] sign(long dpid, int port, long timestampMillis, int sequence) {
    Mac mac = macs.get();
    mac.update(ByteBuffer.allocate(25).put(VERSION).putLong(dpid).putInt(port)
        .putLong(timestampMillis).putInt(sequence).array());
    return mac.doFinal();
  }

  /** Constant-time comparison, so timing does not leak how much of a forgery was right. */
  public boolean verify(long dpid, int port, long timestampMillis, int sequence, byte[] signature) {
    return MessageDigest.isEqual(sign(dpid, port, timestampMillis, sequence), signature);
  }

  private Mac newMac() {
    try {
      Mac m = Mac.getInstance(ALGORITHM);
      m.init(key);
      return m;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required of every JRE", e);
    }
  }
}
