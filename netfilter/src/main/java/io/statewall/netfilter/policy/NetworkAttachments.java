package io.statewall.netfilter.policy;

import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.rules.Attachments;

/**
 * {@code -i}/{@code -o} in the network rule set: names are SWITCH:PORT of the packet's way in and out;
 * {@code -m rpfilter} asks {@code reversePath} where the source lives.
 */
record NetworkAttachments(SwitchPort ingress, SwitchPort egress, ReversePath reversePath) implements Attachments {
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
