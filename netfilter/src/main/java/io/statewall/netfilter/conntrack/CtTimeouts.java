package io.statewall.netfilter.conntrack;

import java.util.concurrent.TimeUnit;

/**
 * Timeouts in seconds, Linux's defaults unless changed (the nf_conntrack_*_timeout_* sysctls).
 *
 * @param tcp per TCP state index (NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT,
 *     LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2)
 * @param tcpRetrans after too many retransmissions, or a zero window
 * @param tcpUnack while data is unacknowledged, and for picked-up connections until a reply
 * @param udp before a reply (and for the first 2 s)
 * @param udpStream a replied UDP flow still active after 2 s
 * @param icmp ICMP and ICMPv6
 * @param generic other IP protocols
 * @param expectFtp the FTP helper's expectations
 */
public record CtTimeouts(int[] tcp, int tcpRetrans, int tcpUnack, int udp, int udpStream, int icmp,
    int generic, int expectFtp) {

  private static final int DAY = (int) TimeUnit.DAYS.toSeconds(1);

  public CtTimeouts {
    if (tcp.length != TcpTracker.STATES) {
      throw new IllegalArgumentException("need " + TcpTracker.STATES + " TCP timeouts");
    }
    tcp = tcp.clone();
  }

  @Override
  public int[] tcp() {
    return tcp.clone();
  }

  int tcpSeconds(int state) {
    return tcp[state];
  }

  public static CtTimeouts linuxDefaults() {
    return new CtTimeouts(new int[] {0, 120, 60, 5 * DAY, 120, 60, 30, 120, 10, 120},
        300, 300, 30, 120, 30, 600, 300);
  }
}
