package io.statewall.netfilter.conntrack.ftp;

import io.statewall.netfilter.packet.IpAddress;

/** What the FTP command parser found at the start of a segment. */
public sealed interface FtpMatch {

  /** No command this helper looks at: pass. */
  record None() implements FtpMatch {}

  /** A prefix of a command, or a command that does not parse: Linux drops the packet. */
  record Malformed(String reason) implements FtpMatch {}

  /**
   * A command naming a data connection endpoint.
   *
   * @param type which form (PORT, EPRT, 227, 229)
   * @param address the address named, or null when the form names none (229: the sender's own)
   * @param port the data port, 1..65535
   */
  record Command(FtpCommandType type, IpAddress address, int port) implements FtpMatch {}

  FtpMatch NONE = new None();
}
