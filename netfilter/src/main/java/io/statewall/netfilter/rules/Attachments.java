package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.IpAddress;

/** Answers {@code -i}/{@code -o} for one packet: which interface patterns its path matches. */
public interface Attachments {
  boolean in(String pattern);

  boolean out(String pattern);

  /**
   * {@code -m rpfilter}'s question: whether {@code src} lives behind the packet's way in (strict), or
   * anywhere the network reaches ({@code loose}). A host has one attachment, through which every
   * source reaches it: true.
   */
  default boolean reversePath(IpAddress src, boolean loose) {
    return true;
  }

  /**
   * A host's rule set: the host has one attachment to the network, so every interface name matches
   * it except loopback, which no packet crossing the network ever uses.
   */
  Attachments HOST = new Attachments() {
    @Override
    public boolean in(String pattern) {
      return !isLoopback(pattern);
    }

    @Override
    public boolean out(String pattern) {
      return !isLoopback(pattern);
    }
  };

  /** Only "lo" itself names nothing but loopback; a wildcard such as "l+" could name the attachment. */
  static boolean isLoopback(String pattern) {
    return pattern.equals("lo");
  }

  /** iptables' interface comparison: exact, or a prefix when the pattern ends in '+'. */
  static boolean nameMatches(String pattern, String name) {
    if (name == null) {
      return false;
    }
    if (pattern.endsWith("+")) {
      return name.startsWith(pattern.substring(0, pattern.length() - 1));
    }
    return pattern.equals(name);
  }
}
