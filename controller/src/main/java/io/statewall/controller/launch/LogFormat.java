package io.statewall.controller.launch;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** How `statewall run` writes its log: lines for people and journald, or JSON for log shippers. */
public enum LogFormat {
  TEXT,
  JSON;

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** picocli's converter: 'text' or 'json', in any case. */
  static final class Converter implements ITypeConverter<LogFormat> {
    @Override
    public LogFormat convert(String value) {
      for (LogFormat f : values()) {
        if (f.toString().equalsIgnoreCase(value)) {
          return f;
        }
      }
      throw new TypeConversionException("'" + value + "' is not a log format (text, json)");
    }
  }
}
