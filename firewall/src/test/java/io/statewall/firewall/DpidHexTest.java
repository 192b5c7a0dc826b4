package io.statewall.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Datapath ids as rules name switches: 16 lower-case hex digits, as String.format("%016x") gave. */
class DpidHexTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "0, 0000000000000000",
      "1, 0000000000000001",
      "255, 00000000000000ff",
      "81985529216486895, 0123456789abcdef",
      "-1, ffffffffffffffff",
      "-9223372036854775808, 8000000000000000"})
  void paddedLikeFormat(long dpid, String hex) {
    assertThat(Firewall.dpidHex(dpid)).isEqualTo(hex).isEqualTo(String.format("%016x", dpid));
  }
}
