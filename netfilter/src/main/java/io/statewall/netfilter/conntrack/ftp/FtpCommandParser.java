package io.statewall.netfilter.conntrack.ftp;

import com.google.common.net.InetAddresses;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Finds PORT/EPRT (client to server) and 227/229 (server to client) at the start of an FTP
 * control segment, driven by a table of (direction, command, skip, terminator, number parser) as
 * nf_conntrack_ftp.c's {@code search[][]}.
 *
 * <p>Linux's parsing rules are kept, byte for byte, with one deliberate difference: numbers that
 * Linux silently wraps (a PORT field above 255, a port above 65535) or a port 0 are refused as
 * malformed, so the packet is dropped instead of opening the wrong port. Every loop is bounded by
 * the segment, and numbers stop accumulating at their limit, so hostile input costs O(length).
 */
public final class FtpCommandParser {

  /** Parses the number part of one command form, from {@code off} for {@code len} bytes. */
  @FunctionalInterface
  interface NumberParser {
    FtpMatch parse(byte[] b, int off, int len, char term, Family family);
  }

  /** One row of the search table. */
  record Pattern(CtDirection direction, String command, char skip, char term, FtpCommandType type,
      NumberParser parser) {}

  static final List<Pattern> PATTERNS = List.of(
      new Pattern(CtDirection.ORIGINAL, "PORT", ' ', '\r', FtpCommandType.PORT, FtpCommandParser::rfc959),
      new Pattern(CtDirection.ORIGINAL, "EPRT", ' ', '\r', FtpCommandType.EPRT, FtpCommandParser::eprt),
      new Pattern(CtDirection.REPLY, "227 ", '\0', '\0', FtpCommandType.PASV, FtpCommandParser::rfc1123),
      new Pattern(CtDirection.REPLY, "229 ", '(', ')', FtpCommandType.EPSV, FtpCommandParser::epsvResponse));

  private static final int TOO_BIG = -1;
  private static final int MAX_IPV6_TEXT = 64;

  /** Looks for the commands of {@code direction} at {@code b[off..off+len)}. */
  public FtpMatch parse(CtDirection direction, byte[] b, int off, int len, Family family) {
    for (Pattern p : PATTERNS) {
      if (p.direction() != direction) {
        continue;
      }
      FtpMatch m = find(p, b, off, len, family);
      if (!(m instanceof FtpMatch.None)) {
        return m;
      }
    }
    return FtpMatch.NONE;
  }

  /** find_pattern: prefix (case-insensitive), skip to the skip character, parse the numbers. */
  private static FtpMatch find(Pattern p, byte[] b, int off, int dlen, Family family) {
    String pat = p.command();
    int plen = pat.length();
    if (dlen <= plen) {
      return startsWith(b, off, pat, dlen) ? new FtpMatch.Malformed("truncated " + p.type()) : FtpMatch.NONE;
    }
    if (!startsWith(b, off, pat, plen)) {
      return FtpMatch.NONE;
    }
    int i = plen;
    if (p.skip() != '\0') {
      while ((b[off + i] & 0xFF) != p.skip()) {
        if (i == dlen - 1) {
          return new FtpMatch.Malformed(p.type() + " without '" + p.skip() + "'");
        }
        i++;
      }
      i++;
    }
    FtpMatch m = p.parser().parse(b, off + i, dlen - i, p.term(), family);
    if (m instanceof FtpMatch.Command c) {
      return new FtpMatch.Command(p.type(), c.address(), c.port());
    }
    return m;
  }

  private static boolean startsWith(byte[] b, int off, String pat, int n) {
    for (int k = 0; k < n; k++) {
      int c = b[off + k] & 0xFF;
      if (c >= 'A' && c <= 'Z') {
        c += 'a' - 'A';
      }
      int q = Character.toLowerCase(pat.charAt(k));
      if (c != q) {
        return false;
      }
    }
    return true;
  }

  /** try_number: {@code n} decimal fields split by {@code sep}, ended by {@code term} (0: anything). */
  private static int tryNumber(byte[] b, int off, int dlen, int[] out, char sep, char term) {
    int n = out.length;
    int i = 0;
    for (int len = 0; len < dlen && i < n; len++) {
      int c = b[off + len] & 0xFF;
      if (c >= '0' && c <= '9') {
        out[i] = out[i] * 10 + (c - '0');
        if (out[i] > 255) {
          return TOO_BIG;
        }
      } else if (c == sep) {
        i++;
      } else {
        if ((c == term || term == '\0') && i == n - 1) {
          return len;
        }
        return 0;
      }
    }
    return 0;
  }

  /** PORT and 227: a1,a2,a3,a4,p1,p2. */
  static FtpMatch rfc959(byte[] b, int off, int len, char term, Family family) {
    int[] f = new int[6];
    int r = tryNumber(b, off, len, f, ',', term);
    if (r == TOO_BIG) {
      return new FtpMatch.Malformed("number above 255 (Linux would wrap it)");
    }
    if (r == 0) {
      return new FtpMatch.Malformed("six comma-separated numbers expected");
    }
    int port = (f[4] << 8) | f[5];
    if (port == 0) {
      return new FtpMatch.Malformed("port 0");
    }
    // On an IPv6 connection the IPv4 address named never equals the sender's: no expectation.
    return new FtpMatch.Command(null, IpAddress.v4((f[0] << 24) | (f[1] << 16) | (f[2] << 8) | f[3]), port);
  }

  /** 227: RFC 1123 says scan for the first digit (parentheses optional). */
  static FtpMatch rfc1123(byte[] b, int off, int len, char term, Family family) {
    int i = 0;
    while (i < len) {
      int c = b[off + i] & 0xFF;
      if (c >= '0' && c <= '9') {
        break;
      }
      i++;
    }
    if (i == len) {
      return new FtpMatch.Malformed("227 without numbers");
    }
    return rfc959(b, off + i, len - i, '\0', family);
  }

  /** EPRT |af|address|port| with any printable non-digit delimiter. */
  static FtpMatch eprt(byte[] b, int off, int dlen, char term, Family family) {
    if (dlen <= 3) {
      return new FtpMatch.Malformed("EPRT too short");
    }
    int delim = b[off] & 0xFF;
    if (!validDelimiter(delim) || (b[off + 2] & 0xFF) != delim) {
      return new FtpMatch.Malformed("EPRT: invalid delimiter");
    }
    int af = b[off + 1] & 0xFF;
    if (af != (family == Family.IPV6 ? '2' : '1')) {
      return new FtpMatch.Malformed("EPRT: address family does not match the connection");
    }
    IpAddress addr;
    int length;
    if (af == '1') {
      int[] a = new int[4];
      length = tryNumber(b, off + 3, dlen - 3, a, '.', (char) delim);
      if (length == TOO_BIG) {
        return new FtpMatch.Malformed("EPRT: address number above 255");
      }
      addr = IpAddress.v4((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]);
    } else {
      int max = Math.min(dlen - 3, MAX_IPV6_TEXT);
      length = 0;
      while (length < max && (b[off + 3 + length] & 0xFF) != delim) {
        int c = b[off + 3 + length] & 0xFF;
        if (!(c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
            || (c >= 'A' && c <= 'F'))) {
          return new FtpMatch.Malformed("EPRT: bad IPv6 address");
        }
        length++;
      }
      if (length == 0 || length == max) {
        return new FtpMatch.Malformed("EPRT: bad IPv6 address");
      }
      addr = parseV6(new String(b, off + 3, length, StandardCharsets.US_ASCII));
      if (addr == null) {
        return new FtpMatch.Malformed("EPRT: bad IPv6 address");
      }
    }
    if (length <= 0) {
      return new FtpMatch.Malformed("EPRT: bad address");
    }
    return port(b, off, 3 + length + 1, dlen, delim, addr);
  }

  /** 229 ... (|||port|): three identical delimiters, then the port; the address is the server's. */
  static FtpMatch epsvResponse(byte[] b, int off, int dlen, char term, Family family) {
    if (dlen <= 3) {
      return new FtpMatch.Malformed("229 too short");
    }
    int delim = b[off] & 0xFF;
    if (!validDelimiter(delim) || (b[off + 1] & 0xFF) != delim || (b[off + 2] & 0xFF) != delim) {
      return new FtpMatch.Malformed("229: invalid delimiters");
    }
    return port(b, off, 3, dlen, delim, null);
  }

  /** get_port: digits up to the delimiter; 0 and above 65535 refused. */
  private static FtpMatch port(byte[] b, int off, int start, int dlen, int delim, IpAddress addr) {
    int port = 0;
    for (int i = start; i < dlen; i++) {
      int c = b[off + i] & 0xFF;
      if (c == delim) {
        if (port == 0) {
          return new FtpMatch.Malformed("port 0");
        }
        return new FtpMatch.Command(null, addr, port);
      }
      if (c < '0' || c > '9') {
        return new FtpMatch.Malformed("port: unexpected character");
      }
      port = port * 10 + (c - '0');
      if (port > 65535) {
        return new FtpMatch.Malformed("port above 65535 (Linux would wrap it)");
      }
    }
    return new FtpMatch.Malformed("port without closing delimiter");
  }

  private static boolean validDelimiter(int c) {
    return c >= 33 && c <= 126 && !(c >= '0' && c <= '9');
  }

  private static IpAddress parseV6(String text) {
    if (text.indexOf(':') < 0) {
      return null;
    }
    try {
      InetAddress a = InetAddresses.forString(text);
      byte[] raw = a.getAddress();
      if (raw.length == 4) {
        // An IPv4-mapped literal: keep it as the IPv6 address it was written as.
        byte[] m = new byte[16];
        m[10] = (byte) 0xFF;
        m[11] = (byte) 0xFF;
        System.arraycopy(raw, 0, m, 12, 4);
        raw = m;
      }
      return IpAddress.of(raw, 0, Family.IPV6);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
