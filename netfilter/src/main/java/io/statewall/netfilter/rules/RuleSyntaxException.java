package io.statewall.netfilter.rules;

/** A rule file that iptables-restore would refuse: where, which token, and what was expected. */
public final class RuleSyntaxException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final int line;
  private final int column;
  private final String token;
  private final String expected;

  public RuleSyntaxException(String file, int line, int column, String token, String expected) {
    super(format(file, line, column, token, expected));
    this.file = file;
    this.line = line;
    this.column = column;
    this.token = token;
    this.expected = expected;
  }

  private static String format(String file, int line, int column, String token, String expected) {
    String at = file + ":" + line + ":" + column + ": ";
    String found = token == null || token.isEmpty() ? "at end of line" : "at '" + token + "'";
    return at + found + ": " + expected;
  }

  public String file() {
    return file;
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }

  public String token() {
    return token;
  }

  public String expected() {
    return expected;
  }
}
