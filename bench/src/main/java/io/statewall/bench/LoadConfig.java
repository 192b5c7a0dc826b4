package io.statewall.bench;

import java.time.Duration;
import org.projectfloodlight.openflow.protocol.OFVersion;

/**
 * What one load generator run does.
 *
 * @param network the emulated switches and hosts
 * @param mode throughput (a window per switch) or latency (one outstanding per switch)
 * @param window outstanding connections per switch in throughput mode
 * @param rate new connections per second over all switches in throughput mode, paced open-loop
 *     (the window still bounds what is outstanding); 0 sends as fast as connections complete
 * @param rampUp how long the load runs before measuring starts (JIT, caches, the controller's tables)
 * @param duration how long connections are measured
 * @param version the OpenFlow version the switches offer (1.0 or 1.3)
 * @param expectation which flow-mods complete a connection
 * @param awaitDiscovery whether warm-up waits for LLDP on every link (a real controller)
 * @param handshakeTimeout bound on connecting and every switch becoming ready
 * @param warmup bound on discovery plus one probe connection completing per switch
 * @param connectionTimeout a connection not set up within this counts as timed out
 * @param dstPort the TCP destination port of every connection
 * @param threads event-loop threads of the emulated switches
 */
public record LoadConfig(
    EmulatedNetwork network,
    LoadMode mode,
    int window,
    double rate,
    Duration rampUp,
    Duration duration,
    OFVersion version,
    FlowExpectation expectation,
    boolean awaitDiscovery,
    Duration handshakeTimeout,
    Duration warmup,
    Duration connectionTimeout,
    int dstPort,
    int threads) {

  public LoadConfig {
    if (window < 1 || window > 65_536) {
      throw new IllegalArgumentException("window must be 1..65536, got " + window);
    }
    if (duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("duration must be in (0, 1h], got " + duration);
    }
    if (!(rate >= 0) || rate > 100_000_000) {
      throw new IllegalArgumentException("rate must be 0..1e8 per second, got " + rate);
    }
    if (rampUp.isNegative() || rampUp.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("ramp-up must be in [0, 1h], got " + rampUp);
    }
    if (version != OFVersion.OF_10 && version != OFVersion.OF_13) {
      throw new IllegalArgumentException("OpenFlow version must be 1.0 or 1.3, got " + version);
    }
    if (dstPort < 1 || dstPort > 65_535) {
      throw new IllegalArgumentException("destination port must be 1..65535, got " + dstPort);
    }
    if (threads < 1 || threads > 64) {
      throw new IllegalArgumentException("threads must be 1..64, got " + threads);
    }
  }

  /**
   * Defaults for a run against a real controller: OF 1.3, 4 hosts per switch, window 128, no
   * ramp-up, path flow-mods awaited, LLDP awaited.
   */
  public static LoadConfig of(int switches, LoadMode mode, Duration duration) {
    return new LoadConfig(
        new EmulatedNetwork(switches, 4),
        mode,
        128,
        0,
        Duration.ZERO,
        duration,
        OFVersion.OF_13,
        FlowExpectation.PATH,
        true,
        Duration.ofSeconds(10),
        Duration.ofSeconds(10),
        Duration.ofSeconds(2),
        80,
        1);
  }

  /** The outstanding connections per switch this mode allows. */
  public int effectiveWindow() {
    return mode == LoadMode.LATENCY ? 1 : window;
  }

  /** New connections per second per switch, 0 when unpaced (latency mode is never paced). */
  public double ratePerSwitch() {
    return mode == LoadMode.LATENCY ? 0 : rate / network.switches();
  }

  public LoadConfig withVersion(OFVersion v) {
    return new LoadConfig(network, mode, window, rate, rampUp, duration, v, expectation, awaitDiscovery,
        handshakeTimeout, warmup, connectionTimeout, dstPort, threads);
  }

  public LoadConfig withRampUp(Duration r) {
    return new LoadConfig(network, mode, window, rate, r, duration, version, expectation, awaitDiscovery,
        handshakeTimeout, warmup, connectionTimeout, dstPort, threads);
  }

  public LoadConfig withRate(double perSecond) {
    return new LoadConfig(network, mode, window, perSecond, rampUp, duration, version, expectation,
        awaitDiscovery, handshakeTimeout, warmup, connectionTimeout, dstPort, threads);
  }

  public LoadConfig withWindow(int w) {
    return new LoadConfig(network, mode, w, rate, rampUp, duration, version, expectation, awaitDiscovery,
        handshakeTimeout, warmup, connectionTimeout, dstPort, threads);
  }

  /** The settings the stub controller needs: it sends one ingress flow-mod and no LLDP. */
  public LoadConfig forStub() {
    return new LoadConfig(network, mode, window, rate, rampUp, duration, version, FlowExpectation.INGRESS, false,
        handshakeTimeout, warmup, connectionTimeout, dstPort, threads);
  }

  public LoadConfig withExpectation(FlowExpectation e, boolean discovery) {
    return new LoadConfig(network, mode, window, rate, rampUp, duration, version, e, discovery,
        handshakeTimeout, warmup, connectionTimeout, dstPort, threads);
  }

  public LoadConfig withTimeouts(Duration handshake, Duration warm, Duration connection) {
    return new LoadConfig(network, mode, window, rate, rampUp, duration, version, expectation, awaitDiscovery,
        handshake, warm, connection, dstPort, threads);
  }

  public LoadConfig withThreads(int t) {
    return new LoadConfig(network, mode, window, rate, rampUp, duration, version, expectation, awaitDiscovery,
        handshakeTimeout, warmup, connectionTimeout, dstPort, t);
  }
}
