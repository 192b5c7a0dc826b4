package io.statewall.apps.main;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * {@code %stamp}: how a text line starts. Under the journal, the syslog priority (journald stamps the
 * time itself); elsewhere an ISO 8601 time stamp with the offset, and a space.
 */
public final class LineStampConverter extends JournalPriorityConverter {
  private static final DateTimeFormatter ISO =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneId.systemDefault());

  @Override
  public String convert(ILoggingEvent event) {
    return journal() ? super.convert(event) : ISO.format(event.getInstant()) + " ";
  }
}
