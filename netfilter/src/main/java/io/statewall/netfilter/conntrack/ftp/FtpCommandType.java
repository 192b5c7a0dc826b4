package io.statewall.netfilter.conntrack.ftp;

/** The four FTP forms that announce a data connection (nf_ct_ftp_type). */
public enum FtpCommandType {
  /** {@code PORT a1,a2,a3,a4,p1,p2} from the client (active mode). */
  PORT,
  /** {@code EPRT |af|addr|port|} from the client (extended active mode, RFC 2428). */
  EPRT,
  /** {@code 227 ... a1,a2,a3,a4,p1,p2} from the server (passive mode). */
  PASV,
  /** {@code 229 ... (|||port|)} from the server (extended passive mode). */
  EPSV
}
