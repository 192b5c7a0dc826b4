package io.statewall.mininet;

/**
 * Counters of one switch port as ovs-ofctl dump-ports prints them; {@code port} is the OpenFlow port
 * number or {@code LOCAL}. A counter the switch does not keep is -1.
 */
public record PortStats(String port, long rxPackets, long rxBytes, long rxDropped, long rxErrors,
    long txPackets, long txBytes, long txDropped, long txErrors) {
}
