package io.statewall.controller.channel;

import java.util.Arrays;

/**
 * A frame the decoder could not turn into a message, passed up the pipeline instead of an exception so
 * that one handler logs it once and answers the switch as the OpenFlow spec says.
 *
 * @param offset byte offset of the frame's first byte in the connection's stream
 * @param head the frame's first bytes (at most 64, what an OpenFlow error quotes back)
 */
public record MalformedFrame(
    Problem problem, long offset, int version, int type, int length, long xid, byte[] head, String detail) {

  /** What was wrong; only {@link #FRAMING_LOST} ends the connection. */
  public enum Problem {
    /** header length below 8: message boundaries are lost, the connection must close */
    FRAMING_LOST,
    /** a version openflowj does not know, or not the negotiated one */
    BAD_VERSION,
    /** a message type the version does not define */
    BAD_TYPE,
    /** openflowj could not parse the body */
    UNPARSABLE,
    /** the connection closed with a partial frame buffered */
    TRUNCATED_AT_CLOSE
  }

  public static final int QUOTED_BYTES = 64;

  public MalformedFrame {
    head = head.clone();
  }

  @Override
  public byte[] head() {
    return head.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MalformedFrame m
        && problem == m.problem
        && offset == m.offset
        && version == m.version
        && type == m.type
        && length == m.length
        && xid == m.xid
        && Arrays.equals(head, m.head)
        && detail.equals(m.detail);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(offset) * 31 + problem.hashCode();
  }

  @Override
  public String toString() {
    return problem + " at offset " + offset + " (version " + version + ", type " + type + ", length " + length
        + ", xid " + xid + "): " + detail;
  }
}
