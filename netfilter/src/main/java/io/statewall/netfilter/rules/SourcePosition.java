package io.statewall.netfilter.rules;

/**
 * Where in a rule file or policy file an error is: the file as given, a 1-based line and column,
 * either 0 when unknown (a line of 0 is the whole file, as for "no such file").
 */
public record SourcePosition(String file, int line, int column) {

  /** {@code file:line:column}, leaving out what is 0: the prefix every load error starts with. */
  @Override
  public String toString() {
    if (line <= 0) {
      return file;
    }
    return column <= 0 ? file + ":" + line : file + ":" + line + ":" + column;
  }
}
