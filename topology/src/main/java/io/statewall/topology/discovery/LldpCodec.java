package io.statewall.topology.discovery;

import com.google.common.primitives.Shorts;
import io.statewall.topology.Attachment;
import java.nio.ByteBuffer;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * Writes this controller's LLDP probes and reads them back, checking the signature and age.
 *
 * <p>Frame: dst 01:80:c2:00:00:0e, EtherType 0x88cc, then TLVs: chassis id (subtype 7, the 8-byte
 * datapath id), port id (subtype 7, the 4-byte port number), TTL 120, an organisation-specific TLV
 * (OUI {@link #OUI}, subtype 1: 8-byte timestamp in ms, 4-byte sequence number, then the 32-byte
 * HMAC-SHA256 of version 1, dpid, port, timestamp and sequence), end. See topology/README.md.
 */
public final class LldpCodec {

  public static final MacAddress LLDP_MULTICAST = MacAddress.of("01:80:c2:00:00:0e");
  public static final int ETH_LLDP = 0x88CC;
  /** A locally administered company id (the X bit set), so it claims no one's registered OUI. */
  static final int OUI = 0x0A5717;
  static final int SUBTYPE_SIGNED_PROBE = 1;

  private static final int TLV_END = 0;
  private static final int TLV_CHASSIS = 1;
  private static final int TLV_PORT = 2;
  private static final int TLV_TTL = 3;
  private static final int TLV_ORG = 127;
  private static final int SUBTYPE_LOCAL = 7;
  private static final int ORG_LENGTH = 3 + 1 + 8 + 4 + LldpSigner.SIGNATURE_LENGTH;
  /** Future timestamps are forgeries or a broken clock: allow only scheduling jitter. */
  private static final long MAX_FUTURE_MILLIS = 1_000;

  private final LldpSigner signer;
  private final long maxAgeMillis;

  public LldpCodec(LldpSigner signer, long maxAgeMillis) {
    this.signer = signer;
    this.maxAgeMillis = maxAgeMillis;
  }

  /** The probe to send out of {@code from}, stamped {@code nowMillis}; {@code sequence} makes it unique. */
  public byte[] encode(Attachment from, MacAddress srcMac, long nowMillis, int sequence) {
    long dpid = from.sw().getLong();
    int port = from.port().getPortNumber();
    ByteBuffer b = ByteBuffer.allocate(14 + (2 + 9) + (2 + 5) + (2 + 2) + (2 + ORG_LENGTH) + 2);
    b.put(LLDP_MULTICAST.getBytes()).put(srcMac.getBytes()).putShort((short) ETH_LLDP);
    tlv(b, TLV_CHASSIS, 9).put((byte) SUBTYPE_LOCAL).putLong(dpid);
    tlv(b, TLV_PORT, 5).put((byte) SUBTYPE_LOCAL).putInt(port);
    tlv(b, TLV_TTL, 2).putShort((short) 120);
    tlv(b, TLV_ORG, ORG_LENGTH).put((byte) (OUI >>> 16)).put((byte) (OUI >>> 8)).put((byte) OUI)
        .put((byte) SUBTYPE_SIGNED_PROBE).putLong(nowMillis).putInt(sequence)
        .put(signer.sign(dpid, port, nowMillis, sequence));
    tlv(b, TLV_END, 0);
    return b.array();
  }

  /** Reads an LLDP frame (from its Ethernet header); never throws on bad input. */
  public LldpProbe decode(byte[] frame, long nowMillis) {
    try {
      return decodeUnchecked(frame, nowMillis);
    } catch (RuntimeException e) {
      // truncated TLVs and the like: a host can send any bytes
      return LldpProbe.rejected(LldpProbe.Verdict.MALFORMED);
    }
  }

  /** Whether {@code frame} is an untagged Ethernet frame of EtherType LLDP. */
  public static boolean isLldp(byte[] frame) {
    return frame != null && frame.length >= 14
        && (Shorts.fromBytes(frame[12], frame[13]) & 0xFFFF) == ETH_LLDP;
  }

  private LldpProbe decodeUnchecked(byte[] frame, long nowMillis) {
    if (!isLldp(frame)) {
      return LldpProbe.rejected(LldpProbe.Verdict.MALFORMED);
    }
    ByteBuffer b = ByteBuffer.wrap(frame, 14, frame.length - 14);
    Long chassis = null;
    Integer port = null;
    Long stamp = null;
    int sequence = 0;
    byte[] signature = null;
    while (b.remaining() >= 2) {
      int header = b.getShort() & 0xFFFF;
      int type = header >>> 9;
      int len = header & 0x1FF;
      if (type == TLV_END) {
        break;
      }
      if (len > b.remaining()) {
        return LldpProbe.rejected(LldpProbe.Verdict.MALFORMED);
      }
      ByteBuffer v = b.slice().limit(len);
      b.position(b.position() + len);
      if (type == TLV_CHASSIS && len == 9 && (v.get() & 0xFF) == SUBTYPE_LOCAL) {
        chassis = v.getLong();
      } else if (type == TLV_PORT && len == 5 && (v.get() & 0xFF) == SUBTYPE_LOCAL) {
        port = v.getInt();
      } else if (type == TLV_ORG && len == ORG_LENGTH && readOui(v) == OUI
          && (v.get() & 0xFF) == SUBTYPE_SIGNED_PROBE) {
        stamp = v.getLong();
        sequence = v.getInt();
        signature = new byte[LldpSigner.SIGNATURE_LENGTH];
        v.get(signature);
      }
    }
    if (chassis == null || port == null || signature == null) {
      return LldpProbe.rejected(LldpProbe.Verdict.NOT_OURS);
    }
    if (!signer.verify(chassis, port, stamp, sequence, signature)) {
      return LldpProbe.rejected(LldpProbe.Verdict.BAD_SIGNATURE);
    }
    if (stamp > nowMillis + MAX_FUTURE_MILLIS || nowMillis - stamp > maxAgeMillis) {
      return LldpProbe.rejected(LldpProbe.Verdict.STALE);
    }
    return new LldpProbe(LldpProbe.Verdict.OK,
        new Attachment(DatapathId.of(chassis), OFPort.of(port)), stamp, sequence);
  }

  private static int readOui(ByteBuffer v) {
    return (v.get() & 0xFF) << 16 | (v.get() & 0xFF) << 8 | (v.get() & 0xFF);
  }

  private static ByteBuffer tlv(ByteBuffer b, int type, int len) {
    return b.putShort((short) (type << 9 | len));
  }
}
