package io.statewall.netfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.statewall.netfilter.FuzzBudget;
import io.statewall.netfilter.packet.Family;
import java.nio.charset.StandardCharsets;

/**
 * Arbitrary text as an iptables-save / ip6tables-save file: the reader returns a rule set or a
 * {@link RuleSyntaxException} located in the file, nothing else; and what it accepts saves to text that
 * reads back to the same save text. Seeds: {@code RuleFileReaderFuzzTestInputs/<method>/} in the test
 * resources; see docs/fuzzing.md.
 */
class RuleFileReaderFuzzTest {
  private static final String FILE = "fuzz.rules";

  @DictionaryEntries({"*filter", "*raw", "COMMIT", ":INPUT", ":FORWARD", ":OUTPUT", ":PREROUTING", " ACCEPT",
      " DROP", " -", " [0:0]", "-A ", "-I ", "-N ", "-P ", "-s ", "-d ", "-i ", "-o ", "-p ", "tcp", "udp", "icmp",
      "-f", "! ", "-m ", "state", "--state ", "NEW", "ESTABLISHED", "RELATED", "INVALID", "conntrack", "--ctstate ",
      "--sport ", "--dport ", "multiport", "--dports ", "--tcp-flags ", "SYN,ACK", "--syn", "--icmp-type ",
      "limit", "--limit ", "/sec", "--limit-burst ", "-j ", "-g ", "REJECT", "--reject-with ", "LOG",
      "--log-prefix ", "RETURN", "CT", "--helper ", "ftp", "--notrack", "/24", "10.0.0.1", "::1", "\"", "#",
      "--comment ", "recent", "--set", "--rcheck", "--update", "--remove", "--seconds ", "--hitcount ", "--reap",
      "--rttl", "--name ", "--mask ", "--rdest"})
  @FuzzTest(maxDuration = FuzzBudget.SESSION)
  void ipv4(byte[] data) throws Throwable {
    FuzzBudget.bounded(() -> check(new String(data, StandardCharsets.UTF_8), Family.IPV4));
  }

  @DictionaryEntries({"*filter", "*raw", "COMMIT", ":INPUT", ":FORWARD", ":OUTPUT", " ACCEPT", " DROP", "-A ",
      "-s ", "-d ", "-p ", "tcp", "udp", "icmpv6", "ipv6-icmp", "--icmpv6-type ", "-m ", "state", "--state ",
      "NEW", "ESTABLISHED", "RELATED", "--dport ", "-j ", "REJECT", "--reject-with ", "icmp6-port-unreachable",
      "2001:db8::/32", "fe80::1", "::", "/128", "!", "recent", "--set", "--update", "--seconds ", "--hitcount ",
      "--mask ", "ffff:ffff::"})
  @FuzzTest(maxDuration = FuzzBudget.SESSION)
  void ipv6(byte[] data) throws Throwable {
    FuzzBudget.bounded(() -> check(new String(data, StandardCharsets.UTF_8), Family.IPV6));
  }

  private static void check(String text, Family family) {
    RuleFileReader reader = new RuleFileReader(() -> 0L);
    RuleSet set;
    try {
      set = reader.parse(FILE, text, family);
    } catch (RuleSyntaxException e) {
      assertLocated(e, text);
      return;
    }
    String saved = set.save();
    RuleSet again;
    try {
      again = reader.parse(FILE, saved, family);
    } catch (RuleSyntaxException e) {
      throw new AssertionError("accepted, but its save text is refused: " + e.getMessage() + "\n--- save:\n" + saved
          + "--- input:\n" + text, e);
    }
    assertThat(again.save()).as("save text of the save text; input:\n%s", text).isEqualTo(saved);
  }

  /** The error names the file, a line of it (or the one after, for a missing COMMIT) and a column on that line. */
  private static void assertLocated(RuleSyntaxException e, String text) {
    String[] lines = text.split("\n", -1);
    assertThat(e.file()).isEqualTo(FILE);
    assertThat(e.getMessage()).startsWith(FILE + ":" + e.line() + ":" + e.column() + ": ");
    assertThat(e.line()).as(e.getMessage()).isBetween(1, lines.length + 1);
    int lineLength = e.line() <= lines.length ? lines[e.line() - 1].length() : 0;
    assertThat(e.column()).as(e.getMessage()).isBetween(1, lineLength + 1);
  }
}
