package io.statewall.netfilter.policy;

import io.statewall.netfilter.rules.RuleSyntaxException;
import io.statewall.netfilter.rules.SourcePosition;

/** A policy that cannot be loaded: the file, line, column and token at fault, and what was expected. */
public final class PolicyException extends Exception {
  private static final long serialVersionUID = 1L;

  private final SourcePosition position;
  private final String token;

  public PolicyException(String file, int line, int column, String token, String message) {
    super(new SourcePosition(file, line, column) + ": "
        + (token == null || token.isEmpty() ? "" : "at '" + token + "': ") + message);
    this.position = new SourcePosition(file, line, column);
    this.token = token;
  }

  /** A rule file's error, reported as the policy's. */
  public PolicyException(RuleSyntaxException e) {
    super(e.getMessage(), e);
    this.position = e.position();
    this.token = e.token();
  }

  public SourcePosition position() {
    return position;
  }

  public String file() {
    return position.file();
  }

  /** 1-based line, 0 when the problem is the whole file (unreadable). */
  public int line() {
    return position.line();
  }

  public int column() {
    return position.column();
  }

  public String token() {
    return token;
  }
}
