package io.statewall.netfilter.defrag;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The limits and the hand-off of {@link Defragmenter}; the verdicts on overlaps, duplicates,
 * tiny and orphan fragments are pinned against Linux by KernelDifferentialTest.
 */
class DefragmenterTest {

  private final PacketParser parser = new PacketParser();

  private static byte[] datagram(int port, int payload) {
    return FrameBuilder.ip("10.0.0.1", "10.0.0.2").udp(port, 53).payload(new byte[payload]).build();
  }

  @Test
  void anUnfragmentedPacketComesStraightBack() {
    Defragmenter d = new Defragmenter(DefragConfig.defaults(), parser);
    byte[] f = datagram(1, 10);
    Optional<Reassembled> r = d.offer(f, 0);
    assertThat(r).isPresent();
    assertThat(r.get().fragments()).containsExactly(f);
    assertThat(d.stats().fragments()).isZero();
  }

  @Test
  void aWholeDatagramComesBackWithEveryFragmentInOffsetOrder() {
    Defragmenter d = new Defragmenter(DefragConfig.defaults(), parser);
    byte[] whole = datagram(2, 88);
    byte[] a = FrameBuilder.fragment(whole, 0, 32, true, 9);
    byte[] b = FrameBuilder.fragment(whole, 32, 32, true, 9);
    byte[] c = FrameBuilder.fragment(whole, 64, 32, false, 9);
    assertThat(d.offer(c, 0)).isEmpty();
    assertThat(d.offer(a, 1)).isEmpty();
    Reassembled r = d.offer(b, 2).orElseThrow();
    assertThat(r.fragments()).containsExactly(a, b, c);
    Packet p = r.packet();
    assertThat(p.malformed()).isNull();
    assertThat(p.isFragmented()).isFalse();
    assertThat(p.srcPort()).isEqualTo(2);
    assertThat(p.payloadLength()).isEqualTo(88);
    // the data is the datagram's; the header differs only in DF and its checksum
    assertThat(p.frame().length).isEqualTo(whole.length);
    assertThat(java.util.Arrays.copyOfRange(p.frame(), 34, p.frame().length))
        .isEqualTo(java.util.Arrays.copyOfRange(whole, 34, whole.length));
    assertThat(d.stats().heldBytes()).isZero();
    assertThat(d.stats().reassembled()).isEqualTo(1);
  }

  @Test
  void anIncompleteDatagramTimesOutAfterThirtySecondsFromItsFirstFragment() {
    Defragmenter d = new Defragmenter(DefragConfig.defaults(), parser);
    byte[] whole = datagram(3, 56);
    assertThat(d.offer(FrameBuilder.fragment(whole, 0, 32, true, 5), 0)).isEmpty();
    assertThat(d.expire(29_999)).isZero();
    assertThat(d.expire(30_000)).isEqualTo(1);
    // the rest, late: a new, orphan datagram, held in its turn
    assertThat(d.offer(FrameBuilder.fragment(whole, 32, 32, false, 5), 30_001)).isEmpty();
    assertThat(d.stats().timedOut()).isEqualTo(1);
    assertThat(d.stats().heldDatagrams()).isEqualTo(1);
  }

  @Test
  void fragmentsBeyondTheMemoryBoundAreDroppedAndNothingIsHeldBeyondIt() {
    DefragConfig small = new DefragConfig(4_000, 64, 30_000);
    Defragmenter d = new Defragmenter(small, parser);
    for (int i = 0; i < 1_000; i++) {
      byte[] whole = datagram(4, 56);
      d.offer(FrameBuilder.fragment(whole, 0, 32, true, i), i);
      assertThat(d.stats().heldBytes()).isLessThanOrEqualTo(small.maxBytes());
    }
    assertThat(d.stats().dropped()).isPositive();
    assertThat(d.stats().heldDatagrams()).isLessThan(1_000);
  }

  @Test
  void moreFragmentsThanTheBoundDropTheWholeDatagram() {
    Defragmenter d = new Defragmenter(new DefragConfig(1 << 20, 4, 30_000), parser);
    byte[] whole = datagram(5, 8 * 9 - 8); // 72 bytes of UDP: nine 8-byte fragments
    for (int i = 0; i < 8; i++) {
      d.offer(FrameBuilder.fragment(whole, 8 * i, 8, true, 77), 0);
    }
    assertThat(d.offer(FrameBuilder.fragment(whole, 64, 8, false, 77), 0)).isEmpty();
    assertThat(d.stats().reassembled()).isZero();
    assertThat(d.stats().heldDatagrams()).isEqualTo(1); // a new queue from the fragments after the drop
  }

  @Test
  void fragmentsOfDifferentVlansAreDifferentDatagrams() {
    Defragmenter d = new Defragmenter(DefragConfig.defaults(), parser);
    byte[] w10 = FrameBuilder.ip("10.0.0.1", "10.0.0.2").vlan(10).udp(6, 53).payload(new byte[56]).build();
    byte[] w20 = FrameBuilder.ip("10.0.0.1", "10.0.0.2").vlan(20).udp(6, 53).payload(new byte[56]).build();
    assertThat(d.offer(FrameBuilder.fragment(w10, 0, 32, true, 1), 0)).isEmpty();
    assertThat(d.offer(FrameBuilder.fragment(w20, 32, 32, false, 1), 0)).isEmpty();
    assertThat(d.stats().heldDatagrams()).isEqualTo(2);
    Reassembled r = d.offer(FrameBuilder.fragment(w10, 32, 32, false, 1), 0).orElseThrow();
    assertThat(r.packet().vlan()).isEqualTo(10);
    assertThat(r.fragments()).hasSize(2);
  }

  @Test
  void anOverlapDropsTheDatagramAndItsHeldFragments() {
    Defragmenter d = new Defragmenter(DefragConfig.defaults(), parser);
    byte[] whole = datagram(7, 56);
    d.offer(FrameBuilder.fragment(whole, 0, 32, true, 3), 0);
    assertThat(d.offer(FrameBuilder.fragment(whole, 24, 40, false, 3), 0)).isEmpty();
    assertThat(d.stats().overlaps()).isEqualTo(1);
    assertThat(d.stats().heldDatagrams()).isZero();
    assertThat(d.stats().heldBytes()).isZero();
  }

  @Test
  void reassembledIpv6HasNoFragmentHeader() {
    Defragmenter d = new Defragmenter(DefragConfig.defaults(), parser);
    byte[] whole = FrameBuilder.ip("2001:db8::1", "2001:db8::2").udp(8, 53).payload(new byte[56]).build();
    d.offer(FrameBuilder.fragment(whole, 32, 32, false, 0x12345), 0);
    Reassembled r = d.offer(FrameBuilder.fragment(whole, 0, 32, true, 0x12345), 0).orElseThrow();
    assertThat(r.packet().frame()).isEqualTo(whole);
    assertThat(List.of(r.packet().protocol(), r.packet().srcPort())).containsExactly(17, 8);
  }
}
