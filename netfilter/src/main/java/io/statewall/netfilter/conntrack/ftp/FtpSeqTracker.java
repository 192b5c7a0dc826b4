package io.statewall.netfilter.conntrack.ftp;

/**
 * Per control connection: the sequence numbers, per direction, that directly follow a newline the
 * helper has seen (at most 2 each, as nf_conntrack_ftp's seq_aft_nl). Only a segment starting at
 * one of them is parsed: commands are recognised at line starts only.
 */
final class FtpSeqTracker {

  private static final int REMEMBER = 2;

  private final int[][] seqs = new int[2][REMEMBER];
  private final int[] counts = new int[2];
  /** Per direction: the next segment is taken as a line start (Linux's NF_CT_FTP_SEQ_PICKUP). */
  private final boolean[] pickup = new boolean[2];

  /** For a control connection taken over mid-stream: its next segment in each direction is parsed. */
  static FtpSeqTracker pickedUp() {
    FtpSeqTracker t = new FtpSeqTracker();
    t.pickup[0] = true;
    t.pickup[1] = true;
    return t;
  }

  boolean atLineStart(int dir, int seq) {
    if (pickup[dir]) {
      pickup[dir] = false;
      return true;
    }
    for (int i = 0; i < counts[dir]; i++) {
      if (seqs[dir][i] == seq) {
        return true;
      }
    }
    return false;
  }

  /** update_nl_seq: remember {@code seq}, replacing the older of two if it is newer. */
  void lineStartsAt(int dir, int seq) {
    for (int i = 0; i < counts[dir]; i++) {
      if (seqs[dir][i] == seq) {
        return;
      }
    }
    if (counts[dir] < REMEMBER) {
      seqs[dir][counts[dir]++] = seq;
      return;
    }
    int oldest = seqs[dir][0] - seqs[dir][1] < 0 ? 0 : 1;
    if (seq - seqs[dir][oldest] > 0) {
      seqs[dir][oldest] = seq;
    }
  }
}
