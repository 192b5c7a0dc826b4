package io.statewall.netfilter.rules;

import java.util.List;

/** A cursor over one line's tokens that turns every problem into a located RuleSyntaxException. */
final class Args {
  private final String file;
  private final int line;
  private final List<Token> tokens;
  private int pos;

  Args(String file, int line, List<Token> tokens) {
    this.file = file;
    this.line = line;
    this.tokens = tokens;
  }

  boolean hasNext() {
    return pos < tokens.size();
  }

  Token peek() {
    return hasNext() ? tokens.get(pos) : null;
  }

  Token next() {
    return tokens.get(pos++);
  }

  /** The next token as an option argument; an option or the end of line is an error. */
  Token value(Token option, String expected) throws RuleSyntaxException {
    if (!hasNext()) {
      throw error(endColumn(), "", option.text() + " needs " + expected);
    }
    return next();
  }

  int endColumn() {
    if (tokens.isEmpty()) {
      return 1;
    }
    Token last = tokens.get(tokens.size() - 1);
    return last.column() + last.text().length();
  }

  RuleSyntaxException error(Token t, String expected) {
    return t == null ? error(endColumn(), "", expected) : error(t.column(), t.text(), expected);
  }

  RuleSyntaxException error(int column, String token, String expected) {
    return new RuleSyntaxException(file, line, column, token, expected);
  }

  String file() {
    return file;
  }

  int line() {
    return line;
  }
}
