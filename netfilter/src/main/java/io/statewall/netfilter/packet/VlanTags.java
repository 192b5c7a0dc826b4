package io.statewall.netfilter.packet;

import java.util.Set;

/**
 * The one list of VLAN tag protocol identifiers statewall reads through: every module that skips
 * tags to reach a frame's EtherType uses this (topology, which cannot depend on netfilter, keeps a
 * copy that a firewall test holds equal to {@link #TPIDS}).
 *
 * <p>802.1Q (0x8100), 802.1ad (0x88A8) and the pre-standard QinQ TPIDs 0x9100, 0x9200, 0x9300.
 * A frame is judged on the packet inside its tags; more than {@link #MAX_TAGS} is malformed.
 */
public final class VlanTags {

  public static final Set<Integer> TPIDS = Set.of(0x8100, 0x88A8, 0x9100, 0x9200, 0x9300);
  /** QinQ: an outer service tag and an inner customer tag. */
  public static final int MAX_TAGS = 2;

  private VlanTags() {}

  /** Whether an EtherType field holding {@code type} starts a VLAN tag. */
  public static boolean isTag(int type) {
    switch (type) {
      case 0x8100:
      case 0x88A8:
      case 0x9100:
      case 0x9200:
      case 0x9300:
        return true;
      default:
        return false;
    }
  }

  /**
   * Where the EtherType that follows the tags sits (12 when untagged), or -1 when the frame ends
   * inside a tag or carries more than {@link #MAX_TAGS} tags.
   */
  public static int etherTypeOffset(byte[] frame) {
    if (frame == null || frame.length < 14) {
      return -1;
    }
    int off = 12;
    for (int tags = 0; isTag(Bytes.u16(frame, off)); tags++) {
      if (tags == MAX_TAGS || frame.length < off + 6) {
        return -1;
      }
      off += 4;
    }
    return off;
  }
}
