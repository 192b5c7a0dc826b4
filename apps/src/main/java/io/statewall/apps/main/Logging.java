package io.statewall.apps.main;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import io.statewall.controller.launch.LogFormat;
import java.net.URL;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Where the process's log goes, set once per command before it runs: {@code run} logs to stderr as
 * text or JSON; the other commands print their own output only (warnings and errors still reach
 * stderr); the demo logs to a file. It reloads logback.xml with the properties that file documents,
 * so an operator's own {@code -Dlogback.configurationFile} (or a test's logback-test.xml) is left alone.
 */
public final class Logging {
  private Logging() {}

  /** {@code run}: every event at the level asked for (INFO), in {@code format}. */
  public static void forRun(LogFormat format) {
    reload(format == LogFormat.JSON ? "json" : "text", null, null);
  }

  /** A command that prints its own output: only warnings and errors on stderr. */
  public static void quiet() {
    reload("text", "WARN", null);
  }

  /** Everything to {@code file}, nothing on the terminal (the demo without --verbose). */
  public static void toFile(Path file) {
    reload("file", null, file);
  }

  private static void reload(String appender, String level, Path file) {
    // an operator's own logback file, or a test's, is left as it is
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)
        || System.getProperty("logback.configurationFile") != null
        || Logging.class.getResource("/logback-test.xml") != null) {
      return;
    }
    URL config = Logging.class.getResource("/logback.xml");
    if (config == null) {
      return;
    }
    context.reset();
    context.putProperty("statewall.log.appender", appender);
    if (level != null && System.getenv("STATEWALL_LOG_LEVEL") == null) {
      context.putProperty("statewall.log.level", level);
    }
    if (file != null) {
      context.putProperty("statewall.log.file", file.toString());
    }
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(config);
    } catch (JoranException e) {
      throw new IllegalStateException("logback.xml does not load: " + e.getMessage(), e);
    }
  }
}
