package io.statewall.netfilter.conntrack.ftp;

import io.statewall.netfilter.conntrack.ConnHelper;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.HelperContext;
import io.statewall.netfilter.conntrack.HelperVerdict;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;

/**
 * The FTP helper (nf_conntrack_ftp): on an established control connection, reads PORT/EPRT from
 * the client and 227/229 from the server at line starts, and expects the data connection they
 * announce (one per control connection, 300 s). A malformed command drops the packet; an address
 * that is not the sender's own gets no expectation (no FTP bounce).
 */
public final class FtpHelper implements ConnHelper {

  public static final String NAME = "ftp";

  private final FtpCommandParser parser = new FtpCommandParser();
  private final long expectTimeoutMillis;

  /** @param expectTimeoutSeconds lifetime of an expectation (Linux: 300) */
  public FtpHelper(int expectTimeoutSeconds) {
    this.expectTimeoutMillis = expectTimeoutSeconds * 1000L;
  }

  public FtpHelper() {
    this(300);
  }

  @Override
  public String name() {
    return NAME;
  }

  /** A control connection taken over mid-stream: the next segment each way is read as a line start. */
  @Override
  public Object pickedUpState() {
    return FtpSeqTracker.pickedUp();
  }

  @Override
  public HelperVerdict help(Packet p, CtState state, CtDirection direction, HelperContext ctx) {
    // Until there has been traffic both ways, don't look in packets.
    if (state != CtState.ESTABLISHED || !p.isTcp()) {
      return HelperVerdict.ACCEPT;
    }
    byte[] b = p.frame();
    int off = p.payloadOffset();
    int len = p.payloadLength();
    if (b == null || off < 0 || len <= 0 || off + len > b.length) {
      return HelperVerdict.ACCEPT;
    }
    int dir = direction.ordinal();
    FtpSeqTracker seqs = ctx.state(FtpSeqTracker.class, FtpSeqTracker::new);
    boolean endsInNl = b[off + len - 1] == '\n';
    int seq = (int) p.seq();
    int next = seq + len;
    if (!seqs.atLineStart(dir, seq)) {
      if (endsInNl) {
        seqs.lineStartsAt(dir, next);
      }
      return HelperVerdict.ACCEPT;
    }
    FtpMatch m = parser.parse(direction, b, off, len, Family.of(p));
    if (m instanceof FtpMatch.Malformed bad) {
      return HelperVerdict.drop("ftp: " + bad.reason());
    }
    HelperVerdict verdict = HelperVerdict.ACCEPT;
    if (m instanceof FtpMatch.Command cmd) {
      CtTuple mine = ctx.entry().tuple(direction);
      IpAddress sender = mine.src();
      IpAddress named = cmd.address() == null ? sender : cmd.address();
      if (named.equals(sender)) {
        HelperContext.ExpectResult r = ctx.expect(mine.dst(), sender, Packet.PROTO_TCP, cmd.port(),
            expectTimeoutMillis);
        if (r != HelperContext.ExpectResult.CREATED) {
          verdict = HelperVerdict.drop("ftp: cannot add expectation (" + r + ")");
        }
      }
      // else: the address is not the sender's (FTP bounce): pass without expecting anything.
    }
    if (endsInNl) {
      seqs.lineStartsAt(dir, next);
    }
    return verdict;
  }
}
