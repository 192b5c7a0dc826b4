package io.statewall.cluster.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtSnapshot;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.packet.IpAddress;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The replication messages survive their encoding, field by field, and a foreign or cut message is refused. */
class ReplicationCodecTest {
  private static final long SENT = 1_700_000_000_000L;

  @Test
  void aBatchOfEveryKindOfChangeRoundTrips() {
    CtTuple v4 = CtTuple.ports("10.0.3.1", "10.0.9.2", 6, 40000, 21);
    CtTuple v6 = CtTuple.ports("2001:db8::1", "2001:db8::2", 17, 5353, 53);
    CtTuple icmp = CtTuple.icmp(IpAddress.parse("10.0.0.1"), IpAddress.parse("10.0.0.2"), 1, 8, 0, 777);
    CtTuple gre = CtTuple.generic(IpAddress.parse("10.0.0.1"), IpAddress.parse("10.0.0.2"), 47);
    List<Change> changes = List.of(
        new Change.Update(new CtSnapshot(v4, CtEntry.SEEN_REPLY | CtEntry.ASSURED, 3, 431_999_000, "ftp"), 3,
            0x5357_0000_1234_5678L, SENT - 2),
        new Change.Update(new CtSnapshot(v6, CtEntry.SEEN_REPLY, 0, 120_000, null), Change.Update.UNKNOWN_INGRESS, 0,
            SENT),
        new Change.Update(new CtSnapshot(icmp, 0, 0, 30_000, null), 1, 0, SENT - 4),
        new Change.Update(new CtSnapshot(gre, CtEntry.EXPECTED, 0, 600_000, null), 1, 0, SENT - 4, true),
        new Change.Destroy(v6, SENT - 1),
        new Change.Expect(v4, IpAddress.parse("10.0.3.1"), IpAddress.parse("10.0.9.2"), 6, 5002, 299_000, SENT - 3));
    Batch b = new Batch("A", 42L, 7, SENT, true, changes);

    byte[] bytes = ReplicationCodec.encode(b);

    assertThat(ReplicationCodec.decode(bytes, 0, bytes.length)).isEqualTo(b);
  }

  @Test
  void anIpv4UpdateTakesFortyTwoBytes() {
    CtTuple t = CtTuple.ports("10.0.3.1", "10.0.9.2", 6, 40000, 80);
    Batch empty = new Batch("A", 1, 1, SENT, false, List.of());
    Batch one = new Batch("A", 1, 1, SENT, false,
        List.of(new Change.Update(new CtSnapshot(t, CtEntry.ASSURED, 3, 1000, null), 3, 0, SENT)));

    assertThat(ReplicationCodec.encode(one).length - ReplicationCodec.encode(empty).length).isEqualTo(42);
  }

  @Test
  void theEndOfAResetsDumpRoundTrips() {
    for (boolean reset : List.of(true, false)) {
      Batch last = new Batch("A", 3, 9, SENT, reset, true, List.of());
      byte[] bytes = ReplicationCodec.encode(last);
      assertThat(ReplicationCodec.decode(bytes, 0, bytes.length)).isEqualTo(last);
    }
  }

  @Test
  void aResendRequestRoundTrips() {
    ResendRequest r = new ResendRequest("A", "B", 10, 12);
    byte[] bytes = ReplicationCodec.encode(r);
    assertThat(ReplicationCodec.decode(bytes, 0, bytes.length)).isEqualTo(r);
  }

  @Test
  void aForeignOrTruncatedMessageIsRefused() {
    byte[] bytes = ReplicationCodec.encode(new ResendRequest("A", "B", 10, 12));
    assertThatThrownBy(() -> ReplicationCodec.decode(new byte[] {1, 2, 3, 4}, 0, 4))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ReplicationCodec.decode(bytes, 0, bytes.length - 1))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] later = Arrays.copyOf(bytes, bytes.length);
    later[2] = 9; // a version this member does not read
    assertThatThrownBy(() -> ReplicationCodec.decode(later, 0, later.length))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 9");
  }
}
