package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.IpAddress;
import java.util.List;

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
   * {@code -m addrtype}'s look-up of an address in the rule set's local routes: {@link AddrTypeMatch#LOCAL}
   * for its own addresses, {@link AddrTypeMatch#BROADCAST} for loopback's broadcast, else
   * {@link AddrTypeMatch#UNICAST}. {@code onAttachment} ({@code --limit-iface-in/-out}): only the
   * routes of the attachment count, not loopback's. Without known addresses, only loopback is local.
   */
  default int addressType(IpAddress a, boolean onAttachment) {
    return loopbackType(a, onAttachment);
  }

  /** A host's local table for loopback: 127/8 (its broadcast 127.255.255.255) and ::1, on lo. */
  static int loopbackType(IpAddress a, boolean onAttachment) {
    if (onAttachment) {
      return AddrTypeMatch.UNICAST;
    }
    if (a.isV6()) {
      return a.hi() == 0 && a.lo() == 1 ? AddrTypeMatch.LOCAL : AddrTypeMatch.UNICAST;
    }
    int v = a.v4Int();
    return v == 0x7FFF_FFFF ? AddrTypeMatch.BROADCAST : (v >>> 24) == 127 ? AddrTypeMatch.LOCAL : AddrTypeMatch.UNICAST;
  }

  /** A host's rule set ({@link #HOST}) that knows the host's own addresses, for {@code -m addrtype}. */
  static Attachments host(List<Cidr> own) {
    List<Cidr> addresses = List.copyOf(own);
    return new Attachments() {
      @Override
      public boolean in(String pattern) {
        return !isLoopback(pattern);
      }

      @Override
      public boolean out(String pattern) {
        return !isLoopback(pattern);
      }

      @Override
      public int addressType(IpAddress a, boolean onAttachment) {
        for (int i = 0, n = addresses.size(); i < n; i++) {
          if (addresses.get(i).contains(a)) {
            return AddrTypeMatch.LOCAL;
          }
        }
        return loopbackType(a, onAttachment);
      }
    };
  }

  /**
   * A host's rule set: the host has one attachment to the network, so every interface name matches
   * it except loopback, which no packet crossing the network ever uses. It knows no own address but
   * loopback's ({@link #host} knows the host's).
   */
  Attachments HOST = host(List.of());

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
