package io.statewall.netfilter.policy;

import io.statewall.netfilter.packet.IpAddress;
import java.util.List;
import java.util.Set;

/**
 * What the policy lets through below IP: ethertypes other than ARP, IPv4, IPv6 and LLDP (dropped
 * unless listed, {@code ethertypes:}), and the gateways (routers) to whose MAC a host may send a
 * packet for an address that is not the gateway's own ({@code gateways:}).
 */
public record LinkLayer(Set<Integer> ethertypes, List<IpAddress> gateways) {
  public static final LinkLayer NONE = new LinkLayer(Set.of(), List.of());

  public LinkLayer {
    ethertypes = Set.copyOf(ethertypes);
    gateways = List.copyOf(gateways);
  }

  public boolean allows(int ethertype) {
    return ethertypes.contains(ethertype);
  }

  public boolean isGateway(IpAddress a) {
    return gateways.contains(a);
  }
}
