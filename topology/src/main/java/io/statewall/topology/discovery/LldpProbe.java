package io.statewall.topology.discovery;

import io.statewall.topology.Attachment;

/** What an LLDP frame turned out to be: a fresh probe of ours from {@code origin}, or why not. */
public record LldpProbe(Verdict verdict, Attachment origin, long timestampMillis, int sequence) {

  /** The outcome of reading an LLDP frame. */
  public enum Verdict {
    /** Signed by this process, fresh. */
    OK,
    /** Not a probe of this controller (another LLDP speaker, or fields missing). */
    NOT_OURS,
    /** Looks like ours but the HMAC does not match: forged or altered. */
    BAD_SIGNATURE,
    /** Ours, but older than the freshness window (or from the future): replayed. */
    STALE,
    /** Seen before: a copy of a probe already accepted once. */
    REPLAYED,
    /** Truncated or not LLDP. */
    MALFORMED
  }

  static LldpProbe rejected(Verdict verdict) {
    return new LldpProbe(verdict, null, 0, 0);
  }

  public boolean ok() {
    return verdict == Verdict.OK;
  }
}
