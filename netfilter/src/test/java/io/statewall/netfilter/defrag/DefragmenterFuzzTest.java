package io.statewall.netfilter.defrag;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.statewall.netfilter.FuzzBudget;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;

/**
 * A hostile fragment stream: real fragments of one datagram (v4 or v6) with fuzzer-chosen offsets,
 * lengths, flags, identifications, byte flips and clock jumps, through one small Defragmenter. It
 * never throws, never holds more than its byte bound, and what it gives back is a whole datagram
 * no longer than IP allows, delivered with the fragments it was made of.
 */
class DefragmenterFuzzTest {

  @FuzzTest(maxDuration = FuzzBudget.SESSION)
  void fragmentStream(FuzzedDataProvider data) throws Throwable {
    FuzzBudget.bounded(() -> {
      PacketParser parser = new PacketParser();
      DefragConfig config = new DefragConfig(16_384, 8, 30_000);
      Defragmenter defrag = new Defragmenter(config, parser);
      Family family = data.consumeBoolean() ? Family.IPV6 : Family.IPV4;
      byte[] payload = data.consumeBytes(600);
      byte[] whole = FrameBuilder.ip(family == Family.IPV6 ? "2001:db8::1" : "10.0.0.1",
          family == Family.IPV6 ? "2001:db8::2" : "10.0.0.2")
          .udp(1000, 53).payload(payload).build();
      int ipPayload = whole.length - 14 - (family == Family.IPV6 ? 40 : 20);
      long now = 0;
      for (int i = 0; i < 200 && data.remainingBytes() > 4; i++) {
        int off = data.consumeInt(0, ipPayload) & ~7;
        int len = data.consumeInt(0, ipPayload - off);
        byte[] frag = FrameBuilder.fragment(whole, off, len, data.consumeBoolean(), data.consumeInt(0, 3));
        if (data.consumeBoolean() && frag.length > 0) {
          frag[data.consumeInt(0, frag.length - 1)] = data.consumeByte();
        }
        now += data.consumeInt(0, 40_000);
        var out = defrag.offer(frag, now);
        DefragStats s = defrag.stats();
        assertThat(s.heldBytes()).isBetween(0L, config.maxBytes());
        if (out.isPresent()) {
          Packet p = out.get().packet();
          assertThat(out.get().fragments()).isNotEmpty().hasSizeLessThanOrEqualTo(config.maxFragments());
          if (p.malformed() == null && !p.isFragmented() && p.isIp()) {
            assertThat(p.ipLength()).isLessThanOrEqualTo(family == Family.IPV6 ? 65535 + 40 : 65535);
          }
        }
      }
      defrag.expire(now + 30_000);
      assertThat(defrag.stats().heldDatagrams()).isZero();
      assertThat(defrag.stats().heldBytes()).isZero();
    });
  }
}
