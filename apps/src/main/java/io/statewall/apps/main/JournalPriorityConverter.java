package io.statewall.apps.main;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code %priority}: the syslog priority prefix journald reads from a line ({@code <3>} error,
 * {@code <4>} warning, {@code <6>} info, {@code <7>} debug) when the journal is stderr; nothing
 * otherwise.
 */
public class JournalPriorityConverter extends ClassicConverter {
  private boolean journal;

  @Override
  public void start() {
    journal = journalIsStderr();
    super.start();
  }

  @Override
  public String convert(ILoggingEvent event) {
    return journal ? prefix(event.getLevel()) : "";
  }

  boolean journal() {
    return journal;
  }

  /**
   * Whether stderr is the journal: systemd sets JOURNAL_STREAM to the device and inode of the stream
   * it connected, which a child whose stderr was redirected no longer has.
   */
  static boolean journalIsStderr() {
    String stream = System.getenv("JOURNAL_STREAM");
    if (stream == null || !stream.matches("\\d+:\\d+")) {
      return false;
    }
    try {
      Map<String, Object> stat = Files.readAttributes(Path.of("/proc/self/fd/2"), "unix:dev,ino");
      return stream.equals(stat.get("dev") + ":" + stat.get("ino"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return true; // nothing to compare with: trust the variable
    }
  }

  static String prefix(Level level) {
    return switch (level.toInt()) {
      case Level.ERROR_INT -> "<3>";
      case Level.WARN_INT -> "<4>";
      case Level.INFO_INT -> "<6>";
      default -> "<7>";
    };
  }
}
