package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Packet;
import java.util.HexFormat;

/**
 * {@code -m string}: xt_string's search for a byte pattern in the packet from offset {@code from}
 * to {@code to} of the IP datagram (the IP header included, as skb_find_text counts). Boyer-Moore and
 * KMP find the same occurrences, so both algorithms are one search here.
 */
public record StringMatch(byte[] pattern, String algo, int from, int to, boolean icase, boolean invert)
    implements Match {
  private static final HexFormat HEX = HexFormat.of();

  @Override
  public boolean test(Packet p, ConnInfo ct) {
    byte[] b = p.frame();
    int base = p.l3Offset();
    if (b == null || base < 0) {
      return invert;
    }
    int end = Math.min(base + p.ipLength(), b.length);
    int limit = Math.min(end, base + to);
    for (int i = base + from; i + pattern.length <= limit; i++) {
      if (at(b, i)) {
        return !invert;
      }
    }
    return invert;
  }

  private boolean at(byte[] b, int i) {
    for (int k = 0; k < pattern.length; k++) {
      int x = b[i + k] & 0xFF;
      int y = pattern[k] & 0xFF;
      if (x != y && !(icase && lower(x) == lower(y))) {
        return false;
      }
    }
    return true;
  }

  private static int lower(int c) {
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
  }

  @Override
  public boolean perPacket() {
    return true;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m string").append(Match.inv(invert));
    boolean printable = true;
    for (byte c : pattern) {
      printable &= c >= 0x20 && c < 0x7F;
    }
    if (printable) {
      sb.append(" --string \"");
      for (byte c : pattern) {
        if (c == '"' || c == '\\') {
          sb.append('\\');
        }
        sb.append((char) c);
      }
      sb.append('"');
    } else {
      sb.append(" --hex-string \"|").append(HEX.formatHex(pattern)).append("|\"");
    }
    sb.append(" --algo ").append(algo);
    if (from != 0) {
      sb.append(" --from ").append(from);
    }
    if (to != 65535) {
      sb.append(" --to ").append(to);
    }
    if (icase) {
      sb.append(" --icase");
    }
  }
}
