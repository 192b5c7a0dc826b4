package io.statewall.netfilter.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.Packet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per cell of REFERENCE-conntrack.md's TCP table, driven through real frames. */
class TcpStateTableTest {

  private static final String[] STATES = {"NO", "SS", "SR", "ES", "FW", "CW", "LA", "TW", "CL", "S2"};
  private static final String[] FLAGS = {"syn", "synack", "fin", "ack", "rst"};

  /** The table exactly as REFERENCE-conntrack.md prints it: [dir][flag] -> cells by state. */
  private static final String[][] TABLE = {
    {"SS SS IG IG IG IG IG SS SS S2", "IV IV SR IV IV IV IV IV IV SR", "IV IV FW FW LA LA LA TW CL IV",
        "ES IV ES ES CW CW TW TW CL IV", "IV CL CL CL CL CL CL CL CL CL"},
    {"IV S2 IV IV IV IV IV SS IV S2", "IV SR IG IG IG IG IG IG IG SR", "IV IV FW FW LA LA LA TW CL IV",
        "IV IG SR ES CW CW TW TW CL IG", "IV CL CL CL CL CL CL CL CL CL"},
  };

  /**
   * Where Linux's code (and so this tracker) does more than the table says, with the reason.
   * Key: "dir flag state".
   */
  private static final Map<String, String> BEYOND_TABLE = Map.of(
      "orig rst SS", "gone: an RST before any reply deletes the connection",
      "reply rst SS", "gone: an RST as the only reply deletes the connection",
      "orig syn TW", "reopened: a SYN in TIME_WAIT starts a new connection",
      "orig syn CL", "reopened: a SYN in CLOSE after an RST starts a new connection",
      "reply syn TW", "reopened: a SYN in TIME_WAIT starts a new connection");

  static List<Arguments> cells() {
    List<Arguments> rows = new ArrayList<>();
    for (int dir = 0; dir < 2; dir++) {
      for (int f = 0; f < FLAGS.length; f++) {
        String[] cells = TABLE[dir][f].split(" ");
        for (int st = 0; st < STATES.length; st++) {
          String key = (dir == 0 ? "orig" : "reply") + " " + FLAGS[f] + " " + STATES[st];
          String expect = BEYOND_TABLE.getOrDefault(key, cells[st]);
          rows.add(Arguments.of(key + " -> " + expect, dir, FLAGS[f], STATES[st], cells[st], expect));
        }
      }
    }
    return rows;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cells")
  void cell(String name, int dir, String flag, String state, String tableCell, String expect) {
    // The static table itself matches the reference, cell for cell.
    int tableValue = TcpTracker.transition(dir, index(flag), stateIndex(state));
    assertThat(cellName(tableValue)).isEqualTo(tableCell);

    if (state.equals("NO") && dir == 1) {
      return; // no connection has a reply direction yet: only the table can be checked
    }
    FakeClock clock = new FakeClock();
    ShardedConnTracker ct = new ShardedConnTracker(CtConfig.defaults(), clock, List.of());
    TcpFlow f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 80);
    List<Packet> setup = new ArrayList<>();
    for (Function<TcpFlow, Packet> step : prefix(state)) {
      setup.add(step.apply(f));
    }
    for (Packet p : setup) {
      CtLookup l = ct.classify(p, TrackOptions.NONE);
      assertThat(l.state()).as("setup packet").isNotEqualTo(CtState.INVALID);
      ct.confirm(l);
    }
    String before = stateOf(ct);
    int flags = flagBits(flag);
    Packet probe = dir == 0 ? f.c(flags) : f.s(flags);
    long ignoredBefore = ct.stats().ignore();
    CtLookup l = ct.classify(probe, TrackOptions.NONE);
    ct.confirm(l);
    String after = stateOf(ct);

    if (expect.equals("IV")) {
      assertThat(l.state()).isEqualTo(CtState.INVALID);
      assertThat(after).isEqualTo(before);
    } else if (expect.equals("IG")) {
      assertThat(l.state()).isNotEqualTo(CtState.INVALID);
      assertThat(after).isEqualTo(before);
      assertThat(ct.stats().ignore()).isEqualTo(ignoredBefore + 1);
    } else if (expect.startsWith("gone")) {
      assertThat(l.state()).isNotEqualTo(CtState.INVALID);
      assertThat(ct.entries()).isEmpty();
    } else if (expect.startsWith("reopened")) {
      assertThat(l.state()).isEqualTo(CtState.NEW);
      assertThat(ct.entries()).hasSize(1);
      assertThat(after).isEqualTo("SYN_SENT");
      assertThat(ct.entries().get(0).tuple(CtDirection.ORIGINAL).src()).isEqualTo(probe.src());
    } else {
      assertThat(l.state()).isNotEqualTo(CtState.INVALID);
      assertThat(after).isEqualTo(longName(expect));
    }
  }

  /** The packets that bring a fresh connection into {@code state}. */
  private static List<Function<TcpFlow, Packet>> prefix(String state) {
    List<Function<TcpFlow, Packet>> s = new ArrayList<>();
    Function<TcpFlow, Packet> syn = f -> f.c(Packet.TCP_SYN);
    Function<TcpFlow, Packet> synack = f -> f.s(Packet.TCP_SYN | Packet.TCP_ACK);
    Function<TcpFlow, Packet> ack = f -> f.c(Packet.TCP_ACK);
    switch (state) {
      case "NO": break;
      case "SS": s.add(syn); break;
      case "SR": s.add(syn); s.add(synack); break;
      case "ES": s.add(syn); s.add(synack); s.add(ack); break;
      case "FW": s.addAll(prefix("ES")); s.add(f -> f.c(Packet.TCP_FIN | Packet.TCP_ACK)); break;
      case "CW": s.addAll(prefix("FW")); s.add(f -> f.s(Packet.TCP_ACK)); break;
      case "LA": s.addAll(prefix("CW")); s.add(f -> f.s(Packet.TCP_FIN | Packet.TCP_ACK)); break;
      case "TW": s.addAll(prefix("LA")); s.add(f -> f.c(Packet.TCP_ACK)); break;
      case "CL": s.addAll(prefix("ES")); s.add(f -> f.c(Packet.TCP_RST)); break;
      case "S2": s.add(syn); s.add(f -> f.s(Packet.TCP_SYN)); break;
      default: throw new IllegalArgumentException(state);
    }
    return s;
  }

  private static String stateOf(ConnTracker ct) {
    List<CtEntry> all = ct.entries();
    return all.isEmpty() ? "NONE" : all.get(0).tcpStateName();
  }

  private static int flagBits(String flag) {
    switch (flag) {
      case "syn": return Packet.TCP_SYN;
      case "synack": return Packet.TCP_SYN | Packet.TCP_ACK;
      case "fin": return Packet.TCP_FIN | Packet.TCP_ACK;
      case "ack": return Packet.TCP_ACK;
      default: return Packet.TCP_RST;
    }
  }

  private static int index(String flag) {
    return List.of(FLAGS).indexOf(flag);
  }

  private static int stateIndex(String s) {
    return List.of(STATES).indexOf(s);
  }

  private static String cellName(int v) {
    return v == TcpTracker.IV ? "IV" : v == TcpTracker.IG ? "IG" : STATES[v];
  }

  /**
   * nf_conntrack_proto_tcp: "do not renew timeout on SYN retransmit" (no reply seen yet), so that port
   * reuse cannot keep an entry alive; the kernel's conntrack -L counts down across retransmitted SYNs
   * (one with a new sequence number too). Session 4's kernel differential saw 120 here: that was
   * {@code secondsLeft} rounding up, not a renewal.
   */
  @Test
  void retransmittedSynDoesNotRenewSynSentTimeout() {
    FakeClock clock = new FakeClock();
    ShardedConnTracker ct = new ShardedConnTracker(CtConfig.defaults(), clock, List.of());
    TcpFlow f = new TcpFlow("10.0.0.1", 40000, "10.0.0.2", 80);
    ct.confirm(ct.classify(f.cPeek(Packet.TCP_SYN, ""), TrackOptions.NONE));
    long expires = ct.entries().get(0).expiresAtMillis();
    for (int i = 0; i < 3; i++) {
      clock.advanceSeconds(1.6);
      CtLookup l = ct.classify(i == 2 ? f.c(Packet.TCP_SYN) : f.cPeek(Packet.TCP_SYN, ""), TrackOptions.NONE);
      ct.confirm(l);
      assertThat(l.state()).isEqualTo(CtState.NEW);
    }
    assertThat(ct.entries().get(0).expiresAtMillis()).as("SYN_SENT's 120 s run from the first SYN").isEqualTo(expires);
    // --ctexpire reads nf_ct_expires / HZ: 115.2 s left is 115, as the kernel's xt_conntrack reads it
    assertThat(ct.secondsLeft(ct.entries().get(0))).isEqualTo(115);
  }

  private static String longName(String shortName) {
    return TcpTracker.stateName(stateIndex(shortName));
  }
}
