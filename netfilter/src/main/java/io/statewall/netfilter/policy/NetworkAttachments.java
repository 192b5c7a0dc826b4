package io.statewall.netfilter.policy;

import io.statewall.netfilter.rules.Attachments;

/** {@code -i}/{@code -o} in the network rule set: names are SWITCH:PORT of the packet's way in and out. */
record NetworkAttachments(SwitchPort ingress, SwitchPort egress) implements Attachments {
  @Override
  public boolean in(String pattern) {
    return !Attachments.isLoopback(pattern) && ingress != null && ingress.matches(pattern);
  }

  @Override
  public boolean out(String pattern) {
    return !Attachments.isLoopback(pattern) && egress != null && egress.matches(pattern);
  }
}
