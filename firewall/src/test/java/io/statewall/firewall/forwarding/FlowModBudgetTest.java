package io.statewall.firewall.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.firewall.forwarding.FlowModBudget.Kind;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.types.DatapathId;

/** The per-switch flow-mod budget: who gets tokens when they run short. */
class FlowModBudgetTest {
  private static final DatapathId S1 = DatapathId.of(1);
  private static final DatapathId S2 = DatapathId.of(2);
  private final AtomicLong now = new AtomicLong(1_000);
  /** 10 a second, 20 at once, drop entries from the upper half only, 3 s quiet after TABLE_FULL. */
  private final FlowModBudget budget = new FlowModBudget(new FlowModLimits(10, 20, 0.5, 3), now::get);

  private int admitted(Kind kind, DatapathId sw, int tries) {
    int n = 0;
    for (int i = 0; i < tries; i++) {
      n += budget.admit(kind, sw, 1) ? 1 : 0;
    }
    return n;
  }

  @Test
  void dropEntriesUseOnlyTheirShareConnectionsLeaveTheTrapsTheirsAndTrapsTakeTheRest() {
    assertThat(admitted(Kind.DROP, S1, 100)).isEqualTo(10);
    assertThat(admitted(Kind.CONNECTION, S1, 100)).isEqualTo(10 - FlowModBudget.TRAP_RESERVE);
    assertThat(admitted(Kind.TRAPS, S1, 100)).isEqualTo(FlowModBudget.TRAP_RESERVE);
    assertThat(budget.skippedDrops()).isEqualTo(90);
    assertThat(budget.skippedConnections()).isEqualTo(94 + 96);
  }

  @Test
  void connectionsTakeTokensBeforeDropEntriesWhenTheyComeBack() {
    admitted(Kind.CONNECTION, S1, 100);
    now.addAndGet(500_000_000); // 0.5 s at 10/s: 5 tokens, all below the drop entries' share
    assertThat(admitted(Kind.DROP, S1, 10)).isZero();
    assertThat(admitted(Kind.CONNECTION, S1, 10)).isEqualTo(5);
  }

  @Test
  void aConnectionsEntriesGetInOnlyWhereItsTrapsDid() {
    for (int left = 0; left <= 20; left++) {
      FlowModBudget b = new FlowModBudget(new FlowModLimits(10, 20, 0.5, 3), now::get);
      for (int i = 0; i < 20 - left; i++) {
        b.admit(Kind.TRAPS, S1, 1);
      }
      boolean traps = b.admit(Kind.TRAPS, S1, 2);
      boolean entries = b.admit(Kind.CONNECTION, S1, 2);
      assertThat(!entries || traps).as("%d tokens left: entries without traps", left).isTrue();
    }
  }

  @Test
  void aConnectionIsAdmittedOnEverySwitchOfItsPathOrOnNone() {
    admitted(Kind.CONNECTION, S2, 100);
    assertThat(budget.admit(Kind.CONNECTION, Map.of(S1, 2, S2, 2))).isFalse();
    assertThat(admitted(Kind.CONNECTION, S1, 100)).as("s1 paid nothing for the refused connection").isEqualTo(18);
  }

  @Test
  void twoThreadsAdmittingPathsAtOnceNeverTakeMoreThanTheBucketsHold() throws Exception {
    // the clock stands still: 20 tokens a switch, connections leave the traps' reserve
    FlowModBudget b = new FlowModBudget(new FlowModLimits(10, 20, 0.5, 3), now::get);
    AtomicInteger admitted = new AtomicInteger();
    Runnable load = () -> {
      for (int i = 0; i < 10_000; i++) {
        if (b.admit(Kind.CONNECTION, i % 2 == 0 ? Map.of(S1, 1, S2, 1) : Map.of(S2, 1, S1, 1))) {
          admitted.incrementAndGet();
        }
      }
    };
    Thread t1 = new Thread(load);
    Thread t2 = new Thread(load);
    t1.start();
    t2.start();
    t1.join();
    t2.join();
    assertThat(admitted.get()).as("never more than the tokens above the reserve")
        .isLessThanOrEqualTo(20 - FlowModBudget.TRAP_RESERVE);
    // what was given back after a refusal is there for the next caller: nothing leaked
    while (b.admit(Kind.CONNECTION, Map.of(S1, 1, S2, 1))) {
      admitted.incrementAndGet();
    }
    assertThat(admitted.get()).isEqualTo(20 - FlowModBudget.TRAP_RESERVE);
  }

  @Test
  void afterTableFullNoDropEntriesNoTrapsAndConnectionsOnlyAsAProbeASecond() {
    budget.tableFull(S1);
    assertThat(budget.tableFullLately(S1)).isTrue();
    assertThat(admitted(Kind.DROP, S1, 3)).isZero();
    assertThat(admitted(Kind.TRAPS, S1, 3)).isZero();
    assertThat(admitted(Kind.DROP, S2, 1)).as("other switches are not affected").isEqualTo(1);
    assertThat(admitted(Kind.CONNECTION, S1, 5)).as("one probe").isEqualTo(1);
    now.addAndGet(1_000_000_000L);
    assertThat(admitted(Kind.CONNECTION, S1, 5)).as("the next probe a second later").isEqualTo(1);
    now.addAndGet(2_000_000_001L);
    assertThat(budget.tableFullLately(S1)).isFalse();
    assertThat(admitted(Kind.DROP, S1, 1)).isEqualTo(1);
    assertThat(admitted(Kind.CONNECTION, S1, 3)).isEqualTo(3);
    assertThat(budget.tableFullErrors()).isEqualTo(1);
  }

  @Test
  void chargedFlowModsAreAlwaysCountedAndRunIntoDebtOfAtMostOneBurst() {
    budget.charge(S1, 1_000);
    assertThat(admitted(Kind.TRAPS, S1, 1)).isZero();
    now.addAndGet(2_000_000_000L); // 20 tokens: the debt of one burst (20) paid back, nothing over
    assertThat(admitted(Kind.TRAPS, S1, 1)).isZero();
    now.addAndGet(100_000_000);
    assertThat(admitted(Kind.TRAPS, S1, 1)).isEqualTo(1);
  }

  @Test
  void aForgottenSwitchStartsAfresh() {
    admitted(Kind.CONNECTION, S1, 100);
    budget.tableFull(S1);
    budget.forget(S1);
    assertThat(admitted(Kind.DROP, S1, 100)).isEqualTo(10);
  }

  @Test
  void limitsOutsideTheirRangesAreRefused() {
    assertThatThrownBy(() -> new FlowModLimits(0, 10, 0.5, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FlowModLimits(10, 0, 0.5, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FlowModLimits(10, 10, 1.5, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FlowModLimits(10, 10, Double.NaN, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FlowModLimits(10, 10, 0.5, -1)).isInstanceOf(IllegalArgumentException.class);
  }
}
