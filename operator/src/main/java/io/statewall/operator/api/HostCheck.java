package io.statewall.operator.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which names the API answers to, against DNS rebinding: a page at attacker.example whose name
 * comes to resolve to 127.0.0.1 sends {@code Host: attacker.example}, which is no name of ours. The
 * listen address, localhost's names and the operator's {@code --api-allowed-host} names pass; when
 * listening on every address (0.0.0.0, ::), so does any address literal (a rebinding needs a name).
 * The same test applies to the Origin of a state-changing request (cross-site request forgery).
 */
final class HostCheck {
  private static final Pattern V4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern V6 = Pattern.compile("[0-9a-f:.]*:[0-9a-f:.]*(%[0-9a-z._-]+)?");

  private final Set<String> names = new HashSet<>();
  private final boolean anyAddress;

  HostCheck(String listenHost, Set<String> allowed) {
    String h = normalize(listenHost);
    anyAddress = h.isEmpty() || h.equals("0.0.0.0") || h.equals("::") || h.equals("0:0:0:0:0:0:0:0");
    if (!anyAddress) {
      names.add(h);
    }
    names.addAll(Set.of("localhost", "127.0.0.1", "::1", "0:0:0:0:0:0:0:1"));
    allowed.forEach(n -> names.add(normalize(n)));
  }

  /** Whether a request's Host header names this API; a request without one (HTTP/1.0) passes. */
  boolean allowsHost(String header) {
    return header == null || allowsName(normalize(header));
  }

  /**
   * Whether a state-changing request's Origin header is one of ours. Clients other than browsers
   * (the CLI, curl) send none; "null" (a sandboxed or file: page) is refused.
   */
  boolean allowsOrigin(String header) {
    if (header == null) {
      return true;
    }
    try {
      URI u = new URI(header.strip());
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      return (scheme.equals("http") || scheme.equals("https")) && u.getHost() != null
          && allowsName(normalize(u.getHost()));
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private boolean allowsName(String name) {
    return names.contains(name) || (anyAddress && isAddressLiteral(name));
  }

  static boolean isAddressLiteral(String name) {
    return V4.matcher(name).matches() || V6.matcher(name).matches();
  }

  /** Lower case, without the port, the brackets of an IPv6 literal or a trailing dot. */
  static String normalize(String hostPort) {
    String h = hostPort.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      h = end < 0 ? h.substring(1) : h.substring(1, end);
    } else if (h.indexOf(':') >= 0 && h.indexOf(':') == h.lastIndexOf(':')) {
      h = h.substring(0, h.indexOf(':'));
    }
    while (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h;
  }
}
