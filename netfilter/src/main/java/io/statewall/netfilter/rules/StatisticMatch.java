package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Packet;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code -m statistic}: xt_statistic's random and nth modes. Values are kept as the kernel keeps
 * them: {@code probability} is {@code lround(2^31 * p)} and {@code every} is {@code --every - 1}
 * (both unsigned 32-bit). The nth counter is the rule's own mutable state, shared by every packet
 * the controller judges, as the kernel's is shared by every packet of the host.
 *
 * @param counter the nth counter (null in random mode)
 */
public record StatisticMatch(boolean nth, boolean invert, long probability, long every, long packet,
    AtomicLong counter) implements Match {

  /** A random-mode match. */
  static StatisticMatch random(long probability, boolean invert) {
    return new StatisticMatch(false, invert, probability, 0, 0, null);
  }

  /** An nth-mode match; the counter starts where statistic_mt_check starts it ({@code every - packet}). */
  static StatisticMatch nth(long every, long packet, boolean invert) {
    return new StatisticMatch(true, invert, 0, every, packet, new AtomicLong(every - packet));
  }

  @Override
  public boolean test(Packet p, ConnInfo ct) {
    if (!nth) {
      return ((ThreadLocalRandom.current().nextInt() & 0x7FFF_FFFFL) < probability) != invert;
    }
    long o;
    long n;
    do {
      o = counter.get();
      n = o == every ? 0 : o + 1;
    } while (!counter.compareAndSet(o, n));
    return (n == 0) != invert;
  }

  @Override
  public boolean perPacket() {
    return true;
  }

  @Override
  public boolean stateful() {
    return nth;
  }

  @Override
  public void save(StringBuilder sb) {
    if (nth) {
      sb.append(" -m statistic --mode nth").append(Match.inv(invert)).append(" --every ").append(every + 1)
          .append(" --packet ").append(packet);
      return;
    }
    // libxt_statistic prints the double probability / 2^31 with "%.11f": exact binary value, rounded
    BigDecimal v = new BigDecimal(probability / 2147483648.0).setScale(11, RoundingMode.HALF_EVEN);
    sb.append(" -m statistic --mode random").append(Match.inv(invert)).append(" --probability ")
        .append(v.toPlainString());
  }
}
