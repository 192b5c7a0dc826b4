package io.statewall.mininet;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.mininet.PingMatrix.Pair;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PingMatrixTest {

  @Test
  void listsThePairsThatGotNoAnswer() {
    PingMatrix m = new PingMatrix(List.of("h1", "h2", "h3"),
        Set.of(new Pair("h1", "h2"), new Pair("h2", "h1"), new Pair("h3", "h1"),
            new Pair("h1", "h3"), new Pair("h2", "h3")));

    assertThat(m.allReachable()).isFalse();
    assertThat(m.unreached()).containsExactly(new Pair("h3", "h2"));
    assertThat(m.reached("h2", "h3")).isTrue();
    assertThat(m.toString()).contains("h3 -> h1 X");
  }

  @Test
  void aSingleHostReachesEveryoneTrivially() {
    assertThat(new PingMatrix(List.of("h1"), Set.of()).allReachable()).isTrue();
  }
}
