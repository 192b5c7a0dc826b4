package io.statewall.netfilter.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a line into words the way iptables-restore does: whitespace separates, double quotes
 * group (and are removed), a backslash escapes the next character.
 */
final class LineTokenizer {
  private LineTokenizer() {}

  /** Returns the words, or throws naming the column of an unterminated quote. */
  static List<Token> split(String file, int lineNo, String line) throws RuleSyntaxException {
    List<Token> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    int start = -1;
    boolean quoted = false;
    int quoteCol = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        if (start < 0) {
          start = i;
        }
        cur.append(line.charAt(++i));
        continue;
      }
      if (c == '"') {
        if (start < 0) {
          start = i;
        }
        quoted = !quoted;
        quoteCol = i + 1;
        continue;
      }
      if (!quoted && Character.isWhitespace(c)) {
        if (start >= 0) {
          out.add(new Token(cur.toString(), start + 1));
          cur.setLength(0);
          start = -1;
        }
        continue;
      }
      if (start < 0) {
        start = i;
      }
      cur.append(c);
    }
    if (quoted) {
      throw new RuleSyntaxException(file, lineNo, quoteCol, "\"", "a closing double quote");
    }
    if (start >= 0) {
      out.add(new Token(cur.toString(), start + 1));
    }
    return out;
  }
}
