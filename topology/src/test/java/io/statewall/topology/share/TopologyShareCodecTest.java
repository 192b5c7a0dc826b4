package io.statewall.topology.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.topology.Attachment;
import io.statewall.topology.HalfLink;
import io.statewall.topology.Host;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.MacAddress;

class TopologyShareCodecTest {
  private static final TopologyShare SHARE = new TopologyShare(
      Set.of(new HalfLink(Attachment.of(1, 1), Attachment.of(2, 2)), new HalfLink(Attachment.of(0xfeedL << 32, 7),
          Attachment.of(2, 3))),
      Set.of(new Host(MacAddress.of("02:00:00:00:00:01"), Attachment.of(1, 3),
              new LinkedHashSet<>(List.of(IPv4Address.of("10.0.0.1"), IPv6Address.of("2001:db8::1")))),
          new Host(MacAddress.of("02:00:00:00:00:02"), Attachment.of(2, 3), Set.of())));

  @Test
  void aShareReadsBackAsWritten() {
    byte[] bytes = TopologyShareCodec.encode(SHARE);
    assertThat(TopologyShareCodec.isShare(bytes, 0, bytes.length)).isTrue();
    assertThat(TopologyShareCodec.decode(bytes, 0, bytes.length)).isEqualTo(SHARE);
    byte[] empty = TopologyShareCodec.encode(TopologyShare.EMPTY);
    assertThat(TopologyShareCodec.decode(empty, 0, empty.length)).isEqualTo(TopologyShare.EMPTY);
    // within a larger buffer, as JGroups hands it over
    byte[] padded = new byte[bytes.length + 10];
    System.arraycopy(bytes, 0, padded, 5, bytes.length);
    assertThat(TopologyShareCodec.decode(padded, 5, bytes.length)).isEqualTo(SHARE);
  }

  /** Offsets in an encoding of one half-link and one host: 0 magic, 2 version, 3 half count, 7 the half. */
  static Stream<Arguments> hostile() {
    return Stream.of(
        Arguments.of("another message's magic", (UnaryOperator<byte[]>) f -> set(f, 0, 0x53, 0x52), "not a topology share"),
        Arguments.of("a later version", (UnaryOperator<byte[]>) f -> set(f, 2, 9), "version 9"),
        Arguments.of("a half-link count past the bound", (UnaryOperator<byte[]>) f -> putInt(f, 3, 70_000), "more than"),
        Arguments.of("a negative half-link count", (UnaryOperator<byte[]>) f -> putInt(f, 3, -1), "more than"),
        Arguments.of("more half-links claimed than bytes", (UnaryOperator<byte[]>) f -> putInt(f, 3, 1_000), "claimed in"),
        Arguments.of("a half-link from a switch to itself", (UnaryOperator<byte[]>) f -> putLong(f, 19, 1), "joins two switches"),
        Arguments.of("a half-link at the LOCAL port", (UnaryOperator<byte[]>) f -> putInt(f, 15, 0xfffffffe), "not a physical port"),
        Arguments.of("port 0", (UnaryOperator<byte[]>) f -> putInt(f, 27, 0), "not a physical port"),
        Arguments.of("a host count past the bound", (UnaryOperator<byte[]>) f -> putInt(f, 31, 1 << 20), "more than"),
        Arguments.of("a MAC of more than 48 bits", (UnaryOperator<byte[]>) f -> set(f, 35, 1), "48 bits"),
        Arguments.of("too many addresses for a host", (UnaryOperator<byte[]>) f -> set(f, 55, 9), "addresses for one host"),
        Arguments.of("an address of 5 bytes", (UnaryOperator<byte[]>) f -> set(f, 56, 5), "of 5 bytes"),
        Arguments.of("bytes after the share", (UnaryOperator<byte[]>) f -> Arrays.copyOf(f, f.length + 1), "after the share"),
        Arguments.of("cut short", (UnaryOperator<byte[]>) f -> Arrays.copyOf(f, f.length - 1), "cut short"),
        Arguments.of("empty", (UnaryOperator<byte[]>) f -> new byte[0], "cut short"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostile")
  void aMalformedOrHostileShareIsRefusedSayingWhy(String behaviour, UnaryOperator<byte[]> mutate, String says) {
    TopologyShare one = new TopologyShare(Set.of(new HalfLink(Attachment.of(1, 1), Attachment.of(2, 2))),
        Set.of(new Host(MacAddress.of("02:00:00:00:00:01"), Attachment.of(1, 3), Set.of(IPv4Address.of("10.0.0.1")))));
    byte[] bytes = mutate.apply(TopologyShareCodec.encode(one));
    assertThatThrownBy(() -> TopologyShareCodec.decode(bytes, 0, bytes.length))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(says);
  }

  @Test
  void randomBytesAndEveryTruncationAreRefusedNeverAnotherException() {
    byte[] bytes = TopologyShareCodec.encode(SHARE);
    for (int len = 0; len < bytes.length; len++) {
      int n = len;
      assertThatThrownBy(() -> TopologyShareCodec.decode(bytes, 0, n)).isInstanceOf(IllegalArgumentException.class);
    }
    Random r = new Random(20);
    for (int i = 0; i < 5_000; i++) {
      byte[] junk = bytes.clone();
      junk[3 + r.nextInt(junk.length - 3)] = (byte) r.nextInt();
      try {
        TopologyShareCodec.decode(junk, 0, junk.length);
      } catch (IllegalArgumentException e) {
        // refused: what a bad share must get
      }
    }
  }

  private static byte[] set(byte[] f, int at, int... values) {
    byte[] c = f.clone();
    for (int i = 0; i < values.length; i++) {
      c[at + i] = (byte) values[i];
    }
    return c;
  }

  private static byte[] putInt(byte[] f, int at, int v) {
    byte[] c = f.clone();
    ByteBuffer.wrap(c).putInt(at, v);
    return c;
  }

  private static byte[] putLong(byte[] f, int at, long v) {
    byte[] c = f.clone();
    ByteBuffer.wrap(c).putLong(at, v);
    return c;
  }
}
