package io.statewall.netfilter.conntrack;

/**
 * What the raw table decided for a packet before conntrack sees it: {@code -j CT --notrack} /
 * {@code -j NOTRACK}, or the helper to attach if the packet starts a connection ({@code -j CT
 * --helper ftp}).
 *
 * @param notrack leave the packet untracked (state UNTRACKED)
 * @param helper helper name for a new connection ("ftp"), or null for none
 */
public record TrackOptions(boolean notrack, String helper) {

  public static final TrackOptions NONE = new TrackOptions(false, null);
  public static final TrackOptions NOTRACK = new TrackOptions(true, null);

  public static TrackOptions helper(String name) {
    return new TrackOptions(false, name);
  }
}
