package io.statewall.netfilter.rules;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** {@code -m sctp} (loaded by {@code -p sctp} too): libxt_sctp's options. */
final class SctpMatchBuilder extends MatchBuilder {
  /** XT_NUM_SCTP_FLAGS: how many chunk types may carry a flag test. */
  private static final int MAX_FLAG_TESTS = 4;

  private PortRange sport;
  private boolean sInv;
  private PortRange dport;
  private boolean dInv;
  private int matchType;
  private final long[] map = new long[4];
  private final int[] flagType = new int[MAX_FLAG_TESTS];
  private final int[] flags = new int[MAX_FLAG_TESTS];
  private final int[] flagMask = new int[MAX_FLAG_TESTS];
  private int flagCount;
  private boolean cInv;

  SctpMatchBuilder(Token at) {
    super("sctp", at, List.of("--source-port", "--sport", "--destination-port", "--dport", "--chunk-types"));
  }

  @Override
  String option(String o) {
    return switch (o) {
      case "--sport", "--source-port" -> "--sport";
      case "--dport", "--destination-port" -> "--dport";
      case "--chunk-types" -> o;
      default -> null;
    };
  }

  @Override
  void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
    switch (o) {
      case "--sport" -> {
        sport = Values.portRange(a, a.value(opt, "a port or port range"), "sctp", true);
        sInv = inv;
      }
      case "--dport" -> {
        dport = Values.portRange(a, a.value(opt, "a port or port range"), "sctp", true);
        dInv = inv;
      }
      default -> {
        Token type = a.value(opt, "all, any or only, then the chunk types");
        matchType = switch (type.text().toUpperCase(Locale.ROOT)) {
          case "ANY" -> SctpMatch.ANY;
          case "ALL" -> SctpMatch.ALL;
          case "ONLY" -> SctpMatch.ONLY;
          default -> throw a.error(type, "all, any or only (Match type has to be one of \"ALL\", \"ANY\" or \"ONLY\")");
        };
        Token list = a.peek();
        if (list == null || list.text().startsWith("-") || list.text().startsWith("!")) {
          throw a.error(list, "the chunk types after " + type.text() + " (--chunk-types requires two args)");
        }
        chunks(a, a.next());
        cInv = inv;
      }
    }
  }

  /** libxt_sctp's parse_sctp_chunk: ALL, NONE or a comma list of NAME[:FLAGS]. */
  private void chunks(Args a, Token t) throws RuleSyntaxException {
    String s = t.text();
    if (s.equalsIgnoreCase("ALL")) {
      Arrays.fill(map, -1L);
      return;
    }
    if (s.equalsIgnoreCase("NONE")) {
      return;
    }
    for (String part : s.split(",")) {
      if (part.isEmpty()) {
        continue;
      }
      int colon = part.indexOf(':');
      String name = colon < 0 ? part : part.substring(0, colon);
      int index = -1;
      for (int i = 0; i < SctpMatch.CHUNKS.size() && index < 0; i++) {
        if (SctpMatch.CHUNKS.get(i).name().equalsIgnoreCase(name)) {
          index = i;
        }
      }
      if (index < 0) {
        throw a.error(t, "SCTP chunk types such as DATA, INIT, ABORT (Unknown sctp chunk `" + name + "')");
      }
      SctpMatch.Chunk c = SctpMatch.CHUNKS.get(index);
      map[c.type() >>> 6] |= 1L << (c.type() & 63);
      for (char f : (colon < 0 ? "" : part.substring(colon + 1)).toCharArray()) {
        int pos = c.validFlags().indexOf(Character.toUpperCase(f));
        if (pos < 0 || f == '-') {
          throw a.error(t, "flags of chunk " + c.name() + " from '" + c.validFlags().replace("-", "")
              + "' (Invalid flags for chunk type " + index + ")");
        }
        flag(a, t, index, 7 - pos, Character.isUpperCase(f));
      }
    }
  }

  private void flag(Args a, Token t, int type, int bit, boolean set) throws RuleSyntaxException {
    int i = 0;
    while (i < flagCount && flagType[i] != type) {
      i++;
    }
    if (i == MAX_FLAG_TESTS) {
      throw a.error(t, "flag tests on at most " + MAX_FLAG_TESTS + " chunk types (Number of chunk types with flags "
          + "exceeds currently allowed limit)");
    }
    if (i == flagCount) {
      flagType[flagCount++] = type;
    }
    flagMask[i] |= 1 << bit;
    if (set) {
      flags[i] |= 1 << bit;
    }
  }

  @Override
  Match build(Args a) {
    return new SctpMatch(sport, sInv, dport, dInv, matchType, map.clone(),
        Arrays.copyOf(flagType, flagCount), Arrays.copyOf(flags, flagCount),
        Arrays.copyOf(flagMask, flagCount), cInv);
  }
}
