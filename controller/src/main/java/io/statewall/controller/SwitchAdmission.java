package io.statewall.controller;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * Which datapath ids may connect, and (with TLS) which ids a certificate may claim.
 *
 * <p>A certificate binds the ids written in its subject alternative names (URI or DNS) or its common
 * name as {@code dpid:0000000000000001} (colons between the bytes allowed), and the ids that
 * {@code certificateNames} maps one of those names to: one Open vSwitch daemon presents one certificate
 * for all its bridges, so a name such as {@code CN=rack-7} can stand for several ids.
 *
 * @param allowed when present, the only datapath ids accepted, with or without TLS
 * @param certificateNames a certificate name (SAN or CN value) to the datapath ids it stands for
 */
public record SwitchAdmission(Optional<Set<DatapathId>> allowed, Map<String, Set<DatapathId>> certificateNames) {
  public static final SwitchAdmission OPEN = new SwitchAdmission(Optional.empty(), Map.of());
  private static final String PREFIX = "dpid:";

  public SwitchAdmission {
    Objects.requireNonNull(allowed, "allowed");
    allowed = allowed.map(Set::copyOf);
    certificateNames = Map.copyOf(certificateNames);
  }

  /** Why {@code id} may not connect (empty: it may); {@code peer} is the TLS client certificate, if any. */
  public Optional<ChannelStats.Refusal> check(DatapathId id, Optional<X509Certificate> peer, boolean tls) {
    if (allowed.isPresent() && !allowed.get().contains(id)) {
      return Optional.of(ChannelStats.Refusal.NOT_ALLOWED);
    }
    if (tls && (peer.isEmpty() || !boundIds(peer.get()).contains(id))) {
      return Optional.of(ChannelStats.Refusal.CERTIFICATE);
    }
    return Optional.empty();
  }

  /** Every datapath id {@code certificate} stands for, by its names and {@link #certificateNames}. */
  public Set<DatapathId> boundIds(X509Certificate certificate) {
    Set<DatapathId> ids = new HashSet<>();
    for (String name : names(certificate)) {
      parseNamed(name).ifPresent(ids::add);
      ids.addAll(certificateNames.getOrDefault(name, Set.of()));
    }
    return ids;
  }

  /** The SAN values (URI, DNS) and the CN of a certificate. */
  static Set<String> names(X509Certificate certificate) {
    Set<String> names = new HashSet<>();
    try {
      if (certificate.getSubjectAlternativeNames() != null) {
        for (List<?> san : certificate.getSubjectAlternativeNames()) {
          int type = (Integer) san.get(0);
          if ((type == 2 || type == 6) && san.get(1) instanceof String value) { // DNS, URI
            names.add(value);
          }
        }
      }
    } catch (CertificateParsingException e) {
      // an unreadable SAN binds nothing; the CN may still
    }
    try {
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          names.add(String.valueOf(rdn.getValue()));
        }
      }
    } catch (InvalidNameException e) {
      // no CN then
    }
    return names;
  }

  /** {@code dpid:<16 hex digits>} (colons allowed) as a datapath id; empty for any other name. */
  static Optional<DatapathId> parseNamed(String name) {
    if (!name.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return Optional.empty();
    }
    try {
      return Optional.of(parseDatapathId(name.substring(PREFIX.length())));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * A datapath id as an operator writes it: 16 hex digits, the same with colons between bytes
   * (OVS's and openflowj's forms), or 0x and up to 16 hex digits. Throws IllegalArgumentException
   * with the reason otherwise.
   */
  public static DatapathId parseDatapathId(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    String hex;
    if (t.startsWith("0x")) {
      hex = t.substring(2);
      if (hex.isEmpty() || hex.length() > 16) {
        throw new IllegalArgumentException("'" + text + "' is not a datapath id (0x and 1 to 16 hex digits)");
      }
    } else {
      hex = t.contains(":") ? t.replace(":", "") : t;
      if (hex.length() != 16 || (t.contains(":") && t.length() != 23)) {
        throw new IllegalArgumentException(
            "'" + text + "' is not a datapath id (16 hex digits, optionally with colons, or 0x...)");
      }
    }
    for (int i = 0; i < hex.length(); i++) {
      if (Character.digit(hex.charAt(i), 16) < 0) {
        throw new IllegalArgumentException("'" + text + "' is not a datapath id: '" + hex.charAt(i) + "' is not hex");
      }
    }
    return DatapathId.of(Long.parseUnsignedLong(hex, 16));
  }
}
