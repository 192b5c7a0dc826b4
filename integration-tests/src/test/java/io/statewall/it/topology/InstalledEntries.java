package io.statewall.it.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.mininet.FlowEntry;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.ovs.FlowDumpParser;
import io.statewall.topology.Attachment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The flow entries real switches hold, read with {@code ovs-ofctl dump-flows}, and the check that a
 * TCP connection's entries are exactly the ones forwarding promises (DESIGN.md §4) on exactly the
 * switches of one shortest path, in both directions.
 */
final class InstalledEntries {

  static final int PRIORITY = 100;
  static final int IDLE_TIMEOUT = 60;

  /** One entry of one switch: the parsed entry, its match as fields, and its flags. */
  record SwitchEntry(String sw, FlowEntry entry, Map<String, String> match, boolean sendFlowRem,
      String line) {}

  /** One TCP connection: client host and port to server host and port. */
  record TcpConnection(Host client, int clientPort, Host server, int serverPort) {
    boolean originalDirection(SwitchEntry e) {
      return client.ip().equals(e.match().get("nw_src"))
          && String.valueOf(clientPort).equals(e.match().get("tp_src"))
          && server.ip().equals(e.match().get("nw_dst"))
          && String.valueOf(serverPort).equals(e.match().get("tp_dst"));
    }

    boolean replyDirection(SwitchEntry e) {
      return server.ip().equals(e.match().get("nw_src"))
          && String.valueOf(serverPort).equals(e.match().get("tp_src"))
          && client.ip().equals(e.match().get("nw_dst"))
          && String.valueOf(clientPort).equals(e.match().get("tp_dst"));
    }

    boolean involves(SwitchEntry e) {
      return e.match().containsKey("tcp") && (originalDirection(e) || replyDirection(e));
    }
  }

  private InstalledEntries() {}

  /** Every entry of switch {@code sw}. */
  static List<SwitchEntry> dump(MininetNetwork net, String sw) {
    List<SwitchEntry> out = new ArrayList<>();
    for (String raw : net.ovsSwitch(sw).ofctl("dump-flows", "--no-names").split("\n")) {
      String line = raw.strip();
      if (!line.startsWith("cookie=")) {
        continue;
      }
      FlowEntry e = FlowDumpParser.parseLine(line);
      out.add(new SwitchEntry(sw, e, fields(e.match()), line.contains(" send_flow_rem "), line));
    }
    return out;
  }

  /** The entries of {@code connection} on every switch of the network. */
  static List<SwitchEntry> of(MininetNetwork net, Wiring wiring, TcpConnection connection) {
    List<SwitchEntry> out = new ArrayList<>();
    for (String sw : wiring.switches()) {
      dump(net, sw).stream().filter(connection::involves).forEach(out::add);
    }
    return out;
  }

  /**
   * Asserts that the connection's entries form, in each direction, one chain of exact entries from
   * the sender's port to the receiver's port along a shortest path, that the reply chain walks the
   * same switches backwards, and that no other switch holds an entry of it. Returns the switches
   * of the original direction, in order.
   */
  static List<String> assertExactAlongOnePath(List<SwitchEntry> entries, Wiring wiring,
      TcpConnection c) {
    Set<SwitchEntry> used = new HashSet<>();
    List<String> forward = walk(entries, wiring, c.client(), c.clientPort(), c.server(),
        c.serverPort(), used);
    List<String> back = walk(entries, wiring, c.server(), c.serverPort(), c.client(),
        c.clientPort(), used);
    assertThat(back).as("the reply path is the original path walked backwards")
        .isEqualTo(reversed(forward));
    Attachment from = wiring.attachment(c.client().name());
    Attachment to = wiring.attachment(c.server().name());
    assertThat(forward).as("a shortest path from %s to %s", c.client().name(), c.server().name())
        .hasSize(wiring.distance(from.sw().getLong(), to.sw().getLong()) + 1);
    assertThat(entries).as("no entry of the connection off its path, and none twice")
        .hasSameSizeAs(used).containsExactlyInAnyOrderElementsOf(used);
    long cookie = entries.get(0).entry().cookie();
    for (SwitchEntry e : entries) {
      assertThat(e.entry().cookie()).as("one cookie names the connection both ways: %s", e.line())
          .isEqualTo(cookie);
      assertThat(e.entry().priority()).as(e.line()).isEqualTo(PRIORITY);
      assertThat(e.entry().idleTimeout()).as(e.line()).isEqualTo(IDLE_TIMEOUT);
      assertThat(e.entry().hardTimeout()).as(e.line()).isZero();
      assertThat(e.entry().table()).as(e.line()).isZero();
      assertThat(e.sendFlowRem()).as("asks for FLOW_REMOVED: %s", e.line()).isTrue();
      assertThat(e.entry().packets()).as("the transfer crossed this entry: %s", e.line())
          .isPositive();
    }
    assertThat(ConnectionCookie.isOurs(org.projectfloodlight.openflow.types.U64.of(cookie)))
        .as("cookie %x carries statewall's tag 0x5357", cookie).isTrue();
    return forward;
  }

  /** Follows the entries of one direction from the sender's port; fails on any gap or inexact entry. */
  private static List<String> walk(List<SwitchEntry> entries, Wiring wiring, Host src, int srcPort,
      Host dst, int dstPort, Set<SwitchEntry> used) {
    List<String> switches = new ArrayList<>();
    Attachment at = wiring.attachment(src.name());
    Attachment end = wiring.attachment(dst.name());
    for (int hop = 0; hop <= wiring.switches().size(); hop++) {
      Attachment here = at;
      String sw = Wiring.switchName(here.sw().getLong());
      Map<String, String> expected = new LinkedHashMap<>();
      expected.put("tcp", "");
      expected.put("in_port", String.valueOf(here.port().getPortNumber()));
      expected.put("dl_src", src.mac());
      expected.put("dl_dst", dst.mac());
      expected.put("nw_src", src.ip());
      expected.put("nw_dst", dst.ip());
      expected.put("tp_src", String.valueOf(srcPort));
      expected.put("tp_dst", String.valueOf(dstPort));
      List<SwitchEntry> matching = entries.stream()
          .filter(e -> e.sw().equals(sw) && expected.get("in_port").equals(e.match().get("in_port"))
              && src.ip().equals(e.match().get("nw_src")))
          .toList();
      assertThat(matching).as("one entry on %s for %s:%d -> %s:%d entering at port %s; all: %s",
          sw, src.ip(), srcPort, dst.ip(), dstPort, expected.get("in_port"), entries).hasSize(1);
      SwitchEntry e = matching.get(0);
      assertThat(e.match()).as("exact match, nothing wildcarded, nothing extra: %s", e.line())
          .containsExactlyInAnyOrderEntriesOf(expected);
      assertThat(e.entry().actions()).as(e.line()).matches("output:\\d+");
      used.add(e);
      switches.add(sw);
      Attachment out = new Attachment(here.sw(), org.projectfloodlight.openflow.types.OFPort.of(
          Integer.parseInt(e.entry().actions().substring("output:".length()))));
      if (out.equals(end)) {
        return switches;
      }
      Optional<Attachment> next = wiring.peerOf(out);
      assertThat(next).as("%s sends %s:%d -> %s:%d out of %s, which is neither a link nor %s's port",
          sw, src.ip(), srcPort, dst.ip(), dstPort, out, dst.name()).isPresent();
      at = next.get();
    }
    throw new AssertionError("entries of " + src.ip() + " -> " + dst.ip() + " loop: " + switches);
  }

  /** {@code "tcp,in_port=1,nw_src=10.0.0.1"} as {tcp="", in_port="1", nw_src="10.0.0.1"}. */
  static Map<String, String> fields(String match) {
    Map<String, String> out = new LinkedHashMap<>();
    if (match.isEmpty()) {
      return out;
    }
    for (String part : match.split(",")) {
      int eq = part.indexOf('=');
      out.put(eq < 0 ? part : part.substring(0, eq), eq < 0 ? "" : part.substring(eq + 1));
    }
    return out;
  }

  private static List<String> reversed(List<String> xs) {
    List<String> out = new ArrayList<>(xs);
    java.util.Collections.reverse(out);
    return out;
  }
}
