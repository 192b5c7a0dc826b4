package io.statewall.netfilter.defrag;

/**
 * Limits of the {@link Defragmenter}.
 *
 * @param maxBytes bytes of fragments held at once (Linux ipfrag_high_thresh: 4 MB); above it,
 *     every fragment is dropped until queues complete or time out, as Linux does
 * @param maxFragments fragments in one datagram before the whole datagram is dropped (Linux has no
 *     such bound; 64 carries a 64 KB datagram over any MTU of 1,100 bytes or more)
 * @param timeoutMillis how long a datagram may take to arrive whole, from its first fragment
 *     (Linux ipfrag_time and nf_conntrack_frag6_timeout: 30 s)
 */
public record DefragConfig(long maxBytes, int maxFragments, long timeoutMillis) {

  public DefragConfig {
    if (maxBytes <= 0 || maxFragments < 2 || timeoutMillis <= 0) {
      throw new IllegalArgumentException("defrag limits must be positive (and 2 fragments at least)");
    }
  }

  public static DefragConfig defaults() {
    return new DefragConfig(4L << 20, 64, 30_000);
  }
}
