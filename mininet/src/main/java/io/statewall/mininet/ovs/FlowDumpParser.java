package io.statewall.mininet.ovs;

import io.statewall.mininet.FlowEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Parses the text of {@code ovs-ofctl dump-flows} into flow entries. */
public final class FlowDumpParser {

  // Fields OVS prints before the match, each followed by ", ".
  private static final Set<String> STAT_FIELDS = Set.of("cookie", "duration", "table", "n_packets",
      "n_bytes", "idle_timeout", "hard_timeout", "importance", "idle_age", "hard_age");
  private static final Set<String> FLAGS = Set.of("send_flow_rem", "check_overlap", "reset_counts",
      "no_packet_counts", "no_byte_counts");

  private FlowDumpParser() {
  }

  /** The entries of a dump; header lines are skipped, a malformed entry line is an error. */
  public static List<FlowEntry> parse(String dump) {
    List<FlowEntry> entries = new ArrayList<>();
    for (String raw : dump.split("\n")) {
      String line = raw.strip();
      if (line.startsWith("cookie=")) {
        entries.add(parseLine(line));
      }
    }
    return List.copyOf(entries);
  }

  /** One entry line, e.g. {@code cookie=0x0, duration=1.3s, table=0, ..., priority=0 actions=NORMAL}. */
  public static FlowEntry parseLine(String line) {
    int actionsAt = line.indexOf(" actions=");
    if (actionsAt < 0) {
      actionsAt = line.startsWith("actions=") ? 0 : -1;
    }
    if (actionsAt < 0) {
      throw new IllegalArgumentException("flow entry without actions: " + line);
    }
    String actions = line.substring(line.indexOf("actions=", actionsAt) + "actions=".length());
    String head = line.substring(0, actionsAt).strip();
    long cookie = 0;
    int table = 0;
    long packets = 0;
    long bytes = 0;
    int idle = 0;
    int hard = 0;
    int priority = FlowEntry.DEFAULT_PRIORITY;
    String match = "";
    try {
      String[] segments = head.split(", ");
      for (int i = 0; i < segments.length; i++) {
        String seg = segments[i].strip();
        // flags print as words before the match, separated by spaces: "send_flow_rem priority=1,ip"
        String[] words = seg.split(" ");
        for (int w = 0; w < words.length - 1; w++) {
          if (!FLAGS.contains(words[w])) {
            throw new IllegalArgumentException("unexpected word '" + words[w] + "'");
          }
        }
        seg = words[words.length - 1];
        String key = seg.contains("=") ? seg.substring(0, seg.indexOf('=')) : seg;
        String value = seg.substring(seg.indexOf('=') + 1);
        if (FLAGS.contains(seg) || seg.isEmpty()) {
          continue;
        }
        if (!STAT_FIELDS.contains(key)) {
          if (i != segments.length - 1) {
            throw new IllegalArgumentException("unexpected field '" + seg + "'");
          }
          StringBuilder rest = new StringBuilder();
          for (String item : seg.split(",")) {
            if (item.startsWith("priority=")) {
              priority = Integer.parseInt(item.substring("priority=".length()));
            } else if (!item.isEmpty()) {
              rest.append(rest.length() == 0 ? "" : ",").append(item);
            }
          }
          match = rest.toString();
          continue;
        }
        switch (key) {
          case "cookie" -> cookie = Long.parseUnsignedLong(value.replaceFirst("^0x", ""), 16);
          case "table" -> table = Integer.parseInt(value);
          case "n_packets" -> packets = Long.parseLong(value);
          case "n_bytes" -> bytes = Long.parseLong(value);
          case "idle_timeout" -> idle = Integer.parseInt(value);
          case "hard_timeout" -> hard = Integer.parseInt(value);
          default -> {
            // duration, ages and importance are not part of the record
          }
        }
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("malformed number in flow entry: " + line, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed flow entry (" + e.getMessage() + "): " + line, e);
    }
    return new FlowEntry(cookie, table, priority, match, actions, packets, bytes, idle, hard);
  }
}
