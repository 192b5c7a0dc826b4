package io.statewall.apps.main;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statewall.controller.launch.LogFormat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The log's forms: one line an event in text and JSON, the LOG target's lines as the kernel writes them. */
class LoggingTest {
  static final String KERNEL_LINE = "DROP-IN: IN=s1-eth1 OUT= SRC=10.0.0.4 DST=10.0.0.1 LEN=60 PROTO=TCP SPT=40000 DPT=23";
  private final PrintStream stderr = System.err;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final Logger log = LoggerFactory.getLogger(LoggingTest.class);
  private final Logger netfilter = LoggerFactory.getLogger("statewall.netfilter");

  @TempDir Path dir;

  @AfterEach
  void restore() {
    System.setErr(stderr);
    Logging.forRun(LogFormat.TEXT);
  }

  private List<String> lines(Runnable configure) {
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    configure.run();
    log.info("switch {} connected", "00:01");
    log.warn("reload failed", new IllegalStateException("line 3: unknown match\nsecond line"));
    netfilter.warn(KERNEL_LINE);
    log.debug("not at INFO");
    System.err.flush();
    System.setErr(stderr);
    return captured.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void textIsOneLineAnEventAndTheKernelsLineAsItIs() {
    List<String> lines = lines(() -> Logging.forRun(LogFormat.TEXT));

    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S+ INFO  "
        + "io\\.statewall\\.apps\\.main\\.LoggingTest - switch 00:01 connected");
    assertThat(lines.get(1)).contains("WARN", "reload failed", "IllegalStateException: line 3: unknown match | second line",
        " | at io.statewall");
    assertThat(lines.get(2)).isEqualTo(KERNEL_LINE);
  }

  @Test
  void jsonIsOneObjectALine() throws Exception {
    List<String> lines = lines(() -> Logging.forRun(LogFormat.JSON));

    assertThat(lines).hasSize(3);
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(lines.get(0));
    assertThat(first.path("level").asText()).isEqualTo("INFO");
    assertThat(first.path("loggerName").asText()).isEqualTo(LoggingTest.class.getName());
    assertThat(first.path("formattedMessage").asText()).isEqualTo("switch 00:01 connected");
    assertThat(first.path("timestamp").asLong()).isPositive();
    assertThat(json.readTree(lines.get(1)).path("throwable").path("className").asText())
        .isEqualTo(IllegalStateException.class.getName());
    JsonNode kernel = json.readTree(lines.get(2));
    assertThat(kernel.path("loggerName").asText()).isEqualTo("statewall.netfilter");
    assertThat(kernel.path("formattedMessage").asText()).isEqualTo(KERNEL_LINE);
  }

  @Test
  void quietKeepsOnlyWarningsAndTheDemosLogGoesToAFile() throws Exception {
    assertThat(lines(Logging::quiet)).hasSize(2).allMatch(l -> l.contains("WARN") || l.equals(KERNEL_LINE));

    captured.reset();
    Path file = dir.resolve("demo.log");
    assertThat(lines(() -> Logging.toFile(file))).isEmpty();
    Logging.forRun(LogFormat.TEXT); // closes the file
    assertThat(Files.readAllLines(file)).hasSize(3).anyMatch(l -> l.endsWith("switch 00:01 connected"));
  }

  @Test
  void journalPriorities() {
    assertThat(JournalPriorityConverter.prefix(ch.qos.logback.classic.Level.ERROR)).isEqualTo("<3>");
    assertThat(JournalPriorityConverter.prefix(ch.qos.logback.classic.Level.WARN)).isEqualTo("<4>");
    assertThat(JournalPriorityConverter.prefix(ch.qos.logback.classic.Level.INFO)).isEqualTo("<6>");
    assertThat(JournalPriorityConverter.prefix(ch.qos.logback.classic.Level.DEBUG)).isEqualTo("<7>");
  }
}
