package io.statewall.netfilter.policy;

import io.statewall.netfilter.rules.RuleSyntaxException;

/** A policy that cannot be loaded: the file, line, column and token at fault, and what was expected. */
public final class PolicyException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final int line;
  private final int column;
  private final String token;

  public PolicyException(String file, int line, int column, String token, String message) {
    super(file + (line > 0 ? ":" + line + (column > 0 ? ":" + column : "") : "") + ": "
        + (token == null || token.isEmpty() ? "" : "at '" + token + "': ") + message);
    this.file = file;
    this.line = line;
    this.column = column;
    this.token = token;
  }

  /** A rule file's error, reported as the policy's. */
  public PolicyException(RuleSyntaxException e) {
    super(e.getMessage(), e);
    this.file = e.file();
    this.line = e.line();
    this.column = e.column();
    this.token = e.token();
  }

  public String file() {
    return file;
  }

  /** 1-based line, 0 when the problem is the whole file (unreadable). */
  public int line() {
    return line;
  }

  public int column() {
    return column;
  }

  public String token() {
    return token;
  }
}
