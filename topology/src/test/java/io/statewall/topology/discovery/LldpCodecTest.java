package io.statewall.topology.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.topology.Attachment;
import io.statewall.topology.discovery.LldpProbe.Verdict;
import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.types.MacAddress;

class LldpCodecTest {

  private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes();
  private static final long T0 = 1_700_000_000_000L;
  private static final Attachment FROM = Attachment.of(0x1234, 7);
  private static final MacAddress SRC = MacAddress.of("02:00:00:00:12:07");

  private final LldpCodec codec = new LldpCodec(new LldpSigner(KEY), 3_000);

  private static byte[] probe() {
    return new LldpCodec(new LldpSigner(KEY), 3_000).encode(FROM, SRC, T0, 1);
  }

  /** Byte offsets in the encoded probe: chassis value at 17, port value at 28, org TLV at 36, timestamp at 42, sequence at 50, HMAC at 54. */
  static Stream<Arguments> frames() {
    return Stream.of(
        Arguments.of("fresh probe is accepted", (UnaryOperator<byte[]>) f -> f, T0, Verdict.OK),
        Arguments.of("probe a few seconds old is accepted", (UnaryOperator<byte[]>) f -> f,
            T0 + 2_999, Verdict.OK),
        Arguments.of("replay past the freshness window is rejected",
            (UnaryOperator<byte[]>) f -> f, T0 + 3_001, Verdict.STALE),
        Arguments.of("timestamp from the future is rejected", (UnaryOperator<byte[]>) f -> f,
            T0 - 5_000, Verdict.STALE),
        Arguments.of("forged chassis id breaks the signature",
            (UnaryOperator<byte[]>) f -> flip(f, 20), T0, Verdict.BAD_SIGNATURE),
        Arguments.of("forged port breaks the signature",
            (UnaryOperator<byte[]>) f -> flip(f, 31), T0, Verdict.BAD_SIGNATURE),
        Arguments.of("refreshed timestamp breaks the signature",
            (UnaryOperator<byte[]>) f -> flip(f, 47), T0, Verdict.BAD_SIGNATURE),
        Arguments.of("altered sequence number breaks the signature",
            (UnaryOperator<byte[]>) f -> flip(f, 53), T0, Verdict.BAD_SIGNATURE),
        Arguments.of("altered signature is rejected",
            (UnaryOperator<byte[]>) f -> flip(f, 60), T0, Verdict.BAD_SIGNATURE),
        Arguments.of("probe signed with another controller's key is rejected",
            (UnaryOperator<byte[]>) f -> new LldpCodec(new LldpSigner(
                "another key, another process...".getBytes()), 3_000).encode(FROM, SRC, T0, 1),
            T0, Verdict.BAD_SIGNATURE),
        Arguments.of("LLDP without our TLV is someone else's",
            (UnaryOperator<byte[]>) f -> Arrays.copyOf(f, 36), T0, Verdict.NOT_OURS),
        Arguments.of("TLV length past the end is malformed",
            (UnaryOperator<byte[]>) f -> Arrays.copyOf(f, 50), T0, Verdict.MALFORMED),
        Arguments.of("not LLDP at all is malformed",
            (UnaryOperator<byte[]>) f -> { byte[] c = f.clone(); c[12] = 8; c[13] = 0; return c; },
            T0, Verdict.MALFORMED),
        Arguments.of("empty frame is malformed", (UnaryOperator<byte[]>) f -> new byte[0], T0,
            Verdict.MALFORMED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("frames")
  void verdicts(String behaviour, UnaryOperator<byte[]> mutate, long now, Verdict expected) {
    LldpProbe p = codec.decode(mutate.apply(probe()), now);
    assertThat(p.verdict()).isEqualTo(expected);
    if (expected == Verdict.OK) {
      assertThat(p.origin()).isEqualTo(FROM);
      assertThat(p.timestampMillis()).isEqualTo(T0);
    }
  }

  @Test
  void aProbeOfAnotherProcessVerifiesOnceBothUseOneKeyAndOnlyProbesUnderItDo() {
    // two cluster members, each with its own random key until the cluster's is committed
    LldpSigner a = LldpSigner.withRandomKey();
    LldpSigner b = LldpSigner.withRandomKey();
    LldpCodec sentByA = new LldpCodec(a, 3_000);
    LldpCodec atB = new LldpCodec(b, 3_000);
    byte[] before = sentByA.encode(FROM, SRC, T0, 1);
    assertThat(atB.decode(before, T0).verdict()).isEqualTo(Verdict.BAD_SIGNATURE);

    a.useKey(KEY);
    b.useKey(KEY);
    LldpProbe p = atB.decode(sentByA.encode(FROM, SRC, T0, 2), T0);
    assertThat(p.verdict()).isEqualTo(Verdict.OK);
    assertThat(p.origin()).isEqualTo(FROM);
    // a probe still in flight under A's own key fails, and a signer left on its own key verifies none
    assertThat(atB.decode(before, T0).verdict()).isEqualTo(Verdict.BAD_SIGNATURE);
    assertThat(new LldpCodec(LldpSigner.withRandomKey(), 3_000).decode(sentByA.encode(FROM, SRC, T0, 3), T0)
        .verdict()).isEqualTo(Verdict.BAD_SIGNATURE);
  }

  @Test
  void aKeyChangedOnOneThreadSignsOnEveryOther() throws Exception {
    LldpSigner signer = LldpSigner.withRandomKey();
    LldpCodec codec = new LldpCodec(signer, 3_000);
    // a thread that signed under the old key has its Mac built for it: it must not keep signing with it
    byte[] old = codec.encode(FROM, SRC, T0, 1);
    Thread t = new Thread(() -> signer.useKey(KEY));
    t.start();
    t.join();
    assertThat(new LldpCodec(new LldpSigner(KEY), 3_000).decode(codec.encode(FROM, SRC, T0, 2), T0).verdict())
        .isEqualTo(Verdict.OK);
    assertThat(codec.decode(old, T0).verdict()).isEqualTo(Verdict.BAD_SIGNATURE);
  }

  @Test
  void frameHasTheDocumentedLayout() {
    byte[] f = probe();
    assertThat(MacAddress.of(Arrays.copyOfRange(f, 0, 6))).isEqualTo(LldpCodec.LLDP_MULTICAST);
    assertThat(MacAddress.of(Arrays.copyOfRange(f, 6, 12))).isEqualTo(SRC);
    assertThat(f[12] & 0xFF).isEqualTo(0x88);
    assertThat(f[13] & 0xFF).isEqualTo(0xCC);
    assertThat(f[14] & 0xFF).as("chassis TLV type 1, len 9").isEqualTo(0x02);
    assertThat(f[15] & 0xFF).isEqualTo(9);
    assertThat(f[36] & 0xFF).as("org TLV type 127").isEqualTo(0xFE);
    assertThat(f[37] & 0xFF).as("org TLV length").isEqualTo(48);
    assertThat(f[38] & 0xFF).as("OUI").isEqualTo(0x0A);
    assertThat(f.length).isEqualTo(88);
  }

  @Test
  void everyTruncationAndRandomBytesGiveAVerdictNotAnException() {
    byte[] f = probe();
    for (int len = 0; len <= f.length; len++) {
      assertThat(codec.decode(Arrays.copyOf(f, len), T0).verdict()).isNotNull();
    }
    Random r = new Random(7);
    for (int i = 0; i < 2_000; i++) {
      byte[] junk = new byte[r.nextInt(120)];
      r.nextBytes(junk);
      if (junk.length > 13) {
        junk[12] = (byte) 0x88;
        junk[13] = (byte) 0xCC;
      }
      assertThat(codec.decode(junk, T0).ok()).isFalse();
    }
  }

  private static byte[] flip(byte[] f, int at) {
    byte[] c = f.clone();
    c[at] ^= 0x01;
    return c;
  }
}
