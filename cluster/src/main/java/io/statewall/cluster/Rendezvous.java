package io.statewall.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Optional;

/**
 * Rendezvous (highest random weight) hashing of a datapath id over member names: every member computes
 * the same winner from the same inputs, and adding or removing a member moves only the datapaths it
 * wins or won. The hash is spelled out here (FNV-1a over the name's UTF-8, then a SplitMix64 finaliser)
 * so that it is the same on every JVM and release: the state machine must be deterministic.
 */
public final class Rendezvous {
  private Rendezvous() {}

  /** The candidate with the highest weight for {@code dpid}; ties (never in practice) go to the smaller name. */
  public static Optional<String> winner(long dpid, Collection<String> candidates) {
    String best = null;
    long bestWeight = 0;
    for (String member : candidates) {
      long w = weight(member, dpid);
      if (best == null || outweighs(member, w, best, bestWeight)) {
        best = member;
        bestWeight = w;
      }
    }
    return Optional.ofNullable(best);
  }

  /** How many of {@code candidates} weigh more than {@code member} for {@code dpid} (0: it is the winner). */
  static int rank(long dpid, String member, Collection<String> candidates) {
    long mine = weight(member, dpid);
    int ahead = 0;
    for (String other : candidates) {
      long w = weight(other, dpid);
      if (!other.equals(member) && outweighs(other, w, member, mine)) {
        ahead++;
      }
    }
    return ahead;
  }

  /** Whether {@code a} (weighing {@code wa}) comes before {@code b}: the heavier, a tie to the smaller name. */
  private static boolean outweighs(String a, long wa, String b, long wb) {
    return Long.compareUnsigned(wa, wb) > 0 || wa == wb && a.compareTo(b) < 0;
  }

  static long weight(String member, long dpid) {
    return mix(fnv1a(member) ^ mix(dpid));
  }

  private static long fnv1a(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 0x100000001b3L;
    }
    return h;
  }

  private static long mix(long z) {
    z += 0x9e3779b97f4a7c15L;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
