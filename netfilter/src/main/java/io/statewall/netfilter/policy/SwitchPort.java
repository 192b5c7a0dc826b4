package io.statewall.netfilter.policy;

import io.statewall.netfilter.rules.Attachments;

/** Where a packet enters or leaves the network: a switch (datapath id and/or name) and a port number. */
public record SwitchPort(String dpid, String name, int port) {

  /** Whether a network rule set's {@code -i}/{@code -o} name ("s1:3", "0000000000000001:3", "s1:+") names this port. */
  boolean matches(String pattern) {
    return Attachments.nameMatches(pattern, dpid + ":" + port)
        || (name != null && Attachments.nameMatches(pattern, name + ":" + port));
  }
}
