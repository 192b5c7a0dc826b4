package io.statewall.netfilter.rules;

/** A rule file that iptables-restore would refuse: where, which token, and what was expected. */
public final class RuleSyntaxException extends Exception {
  private static final long serialVersionUID = 1L;

  private final SourcePosition position;
  private final String token;
  private final String expected;

  public RuleSyntaxException(String file, int line, int column, String token, String expected) {
    this(new SourcePosition(file, line, column), token, expected);
  }

  private RuleSyntaxException(SourcePosition position, String token, String expected) {
    super(position + ": " + (token == null || token.isEmpty() ? "at end of line" : "at '" + token + "'") + ": "
        + expected);
    this.position = position;
    this.token = token;
    this.expected = expected;
  }

  public SourcePosition position() {
    return position;
  }

  public String file() {
    return position.file();
  }

  public int line() {
    return position.line();
  }

  public int column() {
    return position.column();
  }

  public String token() {
    return token;
  }

  public String expected() {
    return expected;
  }
}
