package io.statewall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How arrivals from the controller settle a connection sent from switch 1 towards switch 2. */
class SetupLedgerTest {
  private static final FiveTuple KEY = new FiveTuple(0x0A000101, 0x0A000201, 1024, 80);

  record Outcome(long completed, long denied, long timedOut, boolean open, int settles) {}

  static Stream<Arguments> cases() {
    BiConsumer<SetupLedger, PendingSetup> po = (l, p) -> l.onPacketOut(KEY, 10);
    BiConsumer<SetupLedger, PendingSetup> ingress = (l, p) -> l.onFlowMod(KEY, 1, false, 10);
    BiConsumer<SetupLedger, PendingSetup> egress = (l, p) -> l.onFlowMod(KEY, 2, false, 10);
    BiConsumer<SetupLedger, PendingSetup> elsewhere = (l, p) -> l.onFlowMod(KEY, 3, false, 10);
    BiConsumer<SetupLedger, PendingSetup> reverse = (l, p) -> l.onFlowMod(KEY.reversed(), 1, false, 10);
    BiConsumer<SetupLedger, PendingSetup> dropAtIngress = (l, p) -> l.onFlowMod(KEY, 1, true, 10);
    return Stream.of(
        Arguments.of("path: packet-out and both flow-mods complete it", FlowExpectation.PATH,
            List.of(po, ingress, egress), new Outcome(1, 0, 0, false, 1)),
        Arguments.of("path: order does not matter", FlowExpectation.PATH,
            List.of(egress, po, ingress), new Outcome(1, 0, 0, false, 1)),
        Arguments.of("path: without the egress flow-mod it stays open", FlowExpectation.PATH,
            List.of(po, ingress), new Outcome(0, 0, 0, true, 0)),
        Arguments.of("path: a flow-mod on a switch off the path does not count",
            FlowExpectation.PATH, List.of(po, ingress, elsewhere), new Outcome(0, 0, 0, true, 0)),
        Arguments.of("ingress: packet-out and the ingress flow-mod complete it",
            FlowExpectation.INGRESS, List.of(ingress, po), new Outcome(1, 0, 0, false, 1)),
        Arguments.of("ingress: the packet-out alone does not", FlowExpectation.INGRESS,
            List.of(po), new Outcome(0, 0, 0, true, 0)),
        Arguments.of("ingress: a reverse-direction entry does not count", FlowExpectation.INGRESS,
            List.of(po, reverse), new Outcome(0, 0, 0, true, 0)),
        Arguments.of("duplicates count once", FlowExpectation.INGRESS,
            List.of(ingress, ingress, po, po, ingress), new Outcome(1, 0, 0, false, 1)),
        Arguments.of("a drop entry at ingress settles it as denied", FlowExpectation.PATH,
            List.of(dropAtIngress), new Outcome(1, 1, 0, false, 1)),
        Arguments.of("an expired connection ignores late arrivals", FlowExpectation.INGRESS,
            List.of((l, p) -> l.expire(p), ingress, po),
            new Outcome(0, 0, 1, false, 0)),
        Arguments.of("nothing arrives: open", FlowExpectation.PATH, List.of(),
            new Outcome(0, 0, 0, true, 0)));
  }

  @org.junit.jupiter.api.Test
  void aPathOfOneSwitchNeedsItsEntryThereAndThePacketOutOnly() {
    SetupLedger ledger = new SetupLedger(FlowExpectation.HANDSHAKE);
    ledger.startRecording();
    ledger.open(new PendingSetup.Sent(KEY, 1, 1, false), p -> { }, 0);
    ledger.onPacketOut(KEY, 10);
    assertThat(ledger.completed()).isZero();
    ledger.onFlowMod(KEY, 1, false, 20);
    assertThat(ledger.completed()).isEqualTo(1);
    assertThat(ledger.outstanding()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void arrivalsSettleConnections(String name, FlowExpectation expectation,
      List<BiConsumer<SetupLedger, PendingSetup>> arrivals, Outcome expected) {
    SetupLedger ledger = new SetupLedger(expectation);
    ledger.startRecording();
    AtomicInteger settles = new AtomicInteger();
    PendingSetup setup = ledger.open(new PendingSetup.Sent(KEY, 1, 2, false), p -> settles.incrementAndGet(), 0);
    arrivals.forEach(a -> a.accept(ledger, setup));
    assertThat(new Outcome(ledger.completed(), ledger.denied(), ledger.timedOut(),
        ledger.outstanding() == 1, settles.get())).isEqualTo(expected);
  }
}
