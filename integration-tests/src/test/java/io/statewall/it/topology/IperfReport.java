package io.statewall.it.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an iperf3 client's text output (run with {@code -R --get-server-output}) says the endpoints
 * saw: bytes received per reporting interval, the sending server's retransmissions per interval,
 * and the sender's and receiver's totals.
 */
public record IperfReport(List<Interval> intervals, List<Interval> serverIntervals, long sentBytes,
    long receivedBytes, int retransmits) {

  /** One reporting interval of the sender. */
  public record Interval(double start, double end, long bytes, int retransmits) {}

  // [  5]   0.00-0.10   sec   512 KBytes  41.9 Mbits/sec    0   76.4 KBytes
  // [  5]   0.00-4.00   sec  19.1 MBytes  40.0 Mbits/sec   12             sender
  // [  5]   0.00-4.04   sec  19.0 MBytes  39.5 Mbits/sec                  receiver
  private static final Pattern LINE = Pattern.compile("^\\[\\s*\\d+\\]\\s+(\\d+\\.\\d+)-(\\d+\\.\\d+)"
      + "\\s+sec\\s+([\\d.]+)\\s+([KMG]?)Bytes\\s+[\\d.]+\\s+[KMG]?bits/sec\\s*(\\d+)?(.*)$");

  public static IperfReport parse(String output) {
    int server = output.indexOf("Server output:");
    IperfReport client = parseOne(server < 0 ? output : output.substring(0, server));
    List<Interval> serverIntervals = server < 0 ? List.of()
        : parseOne(output.substring(server)).intervals();
    return new IperfReport(client.intervals(), serverIntervals, client.sentBytes(),
        client.receivedBytes(), client.retransmits());
  }

  /** The intervals in which the sender retransmitted, as "start-end: count". */
  public List<String> retransmissionIntervals() {
    return serverIntervals.stream().filter(i -> i.retransmits() > 0)
        .map(i -> String.format("%.1f-%.1f s: %d", i.start(), i.end(), i.retransmits())).toList();
  }

  private static IperfReport parseOne(String output) {
    List<Interval> intervals = new ArrayList<>();
    long sent = -1;
    long received = -1;
    int retransmits = 0;
    for (String line : output.split("\n")) {
      Matcher m = LINE.matcher(line.strip());
      if (!m.matches()) {
        continue;
      }
      long bytes = bytes(m.group(3), m.group(4));
      int retr = m.group(5) == null ? 0 : Integer.parseInt(m.group(5));
      String tail = m.group(6);
      if (tail.contains("sender")) {
        sent = bytes;
        retransmits = retr;
      } else if (tail.contains("receiver")) {
        received = bytes;
      } else {
        intervals.add(new Interval(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)),
            bytes, retr));
      }
    }
    return new IperfReport(List.copyOf(intervals), List.of(), sent, received, retransmits);
  }

  /**
   * The bytes of the sender's intervals that ended after the receiver's last one: with {@code -R} the
   * client (the receiver) stops counting at its own end of the test, while the server goes on writing
   * until it hears of it, so on a path with a long queue those bytes are sent but never counted received.
   */
  public long sentAfterReceiverEnded() {
    double receiverEnd = intervals.isEmpty() ? 0 : intervals.get(intervals.size() - 1).end();
    return serverIntervals.stream().filter(i -> i.end() > receiverEnd).mapToLong(Interval::bytes).sum();
  }

  /** The longest run of consecutive intervals in which the sender got nothing through, in seconds. */
  public double longestStallSeconds() {
    double longest = 0;
    double run = 0;
    for (Interval i : intervals) {
      if (i.bytes() == 0) {
        run += i.end() - i.start();
        longest = Math.max(longest, run);
      } else {
        run = 0;
      }
    }
    return longest;
  }

  /** The fewest bytes any interval but the last (often short) carried, as a share of the median. */
  double slowestIntervalShare() {
    List<Long> counts = intervals.subList(0, Math.max(0, intervals.size() - 1)).stream()
        .map(Interval::bytes).sorted().toList();
    if (counts.isEmpty() || counts.get(counts.size() / 2) == 0) {
      return 0;
    }
    return (double) counts.get(0) / counts.get(counts.size() / 2);
  }

  private static long bytes(String number, String unit) {
    double v = Double.parseDouble(number);
    return (long) switch (unit) {
      case "K" -> v * 1024;
      case "M" -> v * 1024 * 1024;
      case "G" -> v * 1024 * 1024 * 1024;
      default -> v;
    };
  }
}
