package io.statewall.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The network the load generator pretends to be: switches s1..sN in a line, each with hosts on
 * ports 1..H and links on ports H+1 (to the next switch) and H+2 (to the previous one).
 *
 * <p>Addresses are derived, so a policy generator can target them: host h on switch s is
 * 10.(s/256).(s%256).h with MAC 02:00:00:(s/256):(s%256):h, and switch s has datapath id s. Every
 * benchmark connection goes from a host on s to a host on its neighbour ({@link #peerSwitch}), so
 * its path is the two switches, and it crosses one link; or, with {@code oneSwitchPaths}, to another
 * host on s itself, so its path is s alone (what a cluster can serve while its members share no
 * topology: each sees only the hosts of the switches it masters).
 *
 * @param switches number of switches, 2..65535
 * @param hostsPerSwitch hosts on each switch, 1..250 (at least 2 with {@code oneSwitchPaths})
 * @param oneSwitchPaths whether connections stay on their switch
 */
public record EmulatedNetwork(int switches, int hostsPerSwitch, boolean oneSwitchPaths) {

  /** Connections to the neighbour switch. */
  public EmulatedNetwork(int switches, int hostsPerSwitch) {
    this(switches, hostsPerSwitch, false);
  }

  public EmulatedNetwork {
    if (switches < 2 || switches > 65_535) {
      throw new IllegalArgumentException(
          "switches must be 2..65535 (connections cross a link), got " + switches);
    }
    if (hostsPerSwitch < 1 || hostsPerSwitch > 250) {
      throw new IllegalArgumentException("hosts per switch must be 1..250, got " + hostsPerSwitch);
    }
    if (oneSwitchPaths && hostsPerSwitch < 2) {
      throw new IllegalArgumentException("connections within a switch need 2 hosts per switch or more");
    }
  }

  /** A port of one switch. */
  public record PortRef(int switchNumber, int port) {}

  public long datapathId(int switchNumber) {
    return switchNumber;
  }

  public int hostIp(int switchNumber, int host) {
    return (10 << 24) | (switchNumber << 8) | host;
  }

  /** The switch number of a host address {@link #hostIp} made (its datapath id). */
  public static int switchOfHostIp(int hostIp) {
    return (hostIp >>> 8) & 0xFFFF;
  }

  /** The host number of a host address {@link #hostIp} made (the port it is attached to: {@link #hostPort}). */
  public static int hostOfHostIp(int hostIp) {
    return hostIp & 0xFF;
  }

  public long hostMac(int switchNumber, int host) {
    return 0x0200_0000_0000L | ((long) switchNumber << 8) | host;
  }

  /** The port host h is attached to. */
  public int hostPort(int host) {
    return host;
  }

  public int nextPort() {
    return hostsPerSwitch + 1;
  }

  public int previousPort() {
    return hostsPerSwitch + 2;
  }

  /** Ports 1..H+2 of every switch, including link ports that lead nowhere at the line's ends. */
  public int portCount() {
    return hostsPerSwitch + 2;
  }

  /** The switch whose hosts the hosts of {@code switchNumber} connect to. */
  public int peerSwitch(int switchNumber) {
    if (oneSwitchPaths) {
      return switchNumber;
    }
    return switchNumber < switches ? switchNumber + 1 : switchNumber - 1;
  }

  /** The other end of a link port, if the port is wired to a switch. */
  public Optional<PortRef> linkPeer(int switchNumber, int port) {
    if (port == nextPort() && switchNumber < switches) {
      return Optional.of(new PortRef(switchNumber + 1, previousPort()));
    }
    if (port == previousPort() && switchNumber > 1) {
      return Optional.of(new PortRef(switchNumber - 1, nextPort()));
    }
    return Optional.empty();
  }

  /** Every wired link port (each link appears twice, once from each end). */
  public List<PortRef> linkPorts() {
    List<PortRef> ports = new ArrayList<>();
    for (int s = 1; s <= switches; s++) {
      for (int p : new int[] {nextPort(), previousPort()}) {
        if (linkPeer(s, p).isPresent()) {
          ports.add(new PortRef(s, p));
        }
      }
    }
    return List.copyOf(ports);
  }
}
