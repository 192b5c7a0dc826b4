package io.statewall.mininet.ovs;

import io.statewall.mininet.PortStats;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the text of {@code ovs-ofctl dump-ports} into port counters. */
public final class PortStatsParser {

  private static final String N = "(\\d+|\\?)";
  private static final Pattern RX = Pattern.compile(
      "port\\s+\"?([^:\"]+)\"?:\\s+rx pkts=" + N + ", bytes=" + N + ", drop=" + N + ", errs=" + N);
  private static final Pattern TX = Pattern.compile(
      "tx pkts=" + N + ", bytes=" + N + ", drop=" + N + ", errs=" + N);

  private PortStatsParser() {
  }

  /** The ports of a dump in printed order; a port line without its tx line is an error. */
  public static List<PortStats> parse(String dump) {
    List<PortStats> ports = new ArrayList<>();
    String[] lines = dump.split("\n");
    for (int i = 0; i < lines.length; i++) {
      Matcher rx = RX.matcher(lines[i].strip());
      if (!rx.lookingAt()) {
        continue;
      }
      Matcher tx = i + 1 < lines.length ? TX.matcher(lines[i + 1].strip()) : null;
      if (tx == null || !tx.lookingAt()) {
        throw new IllegalArgumentException("port stats without a tx line after: " + lines[i]);
      }
      ports.add(new PortStats(rx.group(1).strip(), count(rx.group(2)), count(rx.group(3)),
          count(rx.group(4)), count(rx.group(5)), count(tx.group(1)), count(tx.group(2)),
          count(tx.group(3)), count(tx.group(4))));
      i++;
    }
    return List.copyOf(ports);
  }

  private static long count(String text) {
    return text.equals("?") ? -1 : Long.parseLong(text);
  }
}
