package io.statewall.netfilter.policy;

import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.rules.AddrTypeMatch;
import io.statewall.netfilter.rules.Attachments;

/**
 * {@code -i}/{@code -o} in the network rule set: names are SWITCH:PORT of the packet's way in and out;
 * {@code -m rpfilter} asks {@code reversePath} where the source lives; {@code -m addrtype}'s LOCAL is the
 * policy's hosts' addresses.
 */
record NetworkAttachments(SwitchPort ingress, SwitchPort egress, ReversePath reversePath, Policy policy)
    implements Attachments {
  /** The network's own addresses are its hosts' (it has no loopback); {@code --limit-iface-*} changes nothing. */
  @Override
  public int addressType(IpAddress a, boolean onAttachment) {
    return policy.hostFor(a) != null ? AddrTypeMatch.LOCAL : AddrTypeMatch.UNICAST;
  }

  @Override
  public boolean reversePath(IpAddress src, boolean loose) {
    return reversePath.lives(src, ingress, loose);
  }

  @Override
  public boolean in(String pattern) {
    return !Attachments.isLoopback(pattern) && ingress != null && ingress.matches(pattern);
  }

  @Override
  public boolean out(String pattern) {
    return !Attachments.isLoopback(pattern) && egress != null && egress.matches(pattern);
  }
}
