package io.statewall.topology;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.MacAddress;

/** A host learned from its packets: its MAC, the addresses it used, and where it attaches now. */
public record Host(MacAddress mac, Attachment attachment, Set<IPAddress<?>> addresses) {

  public Host {
    Objects.requireNonNull(mac, "mac");
    Objects.requireNonNull(attachment, "attachment");
    // insertion order kept: the oldest address is the first to go when a host has too many
    addresses = Collections.unmodifiableSet(new LinkedHashSet<>(addresses));
  }

  public Host withAttachment(Attachment where) {
    return new Host(mac, where, addresses);
  }

  public Host withAddresses(Set<IPAddress<?>> newAddresses) {
    return new Host(mac, attachment, newAddresses);
  }
}
