package io.statewall.controller;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the controller listens and watches its switches.
 *
 * @param listenHost address to bind; loopback by default (switches elsewhere need TLS, see docs/security.md)
 * @param listenPort TCP port; 0 picks a free one (tests)
 * @param tls when present, switches must connect with TLS and a certificate signed by the CA
 * @param echoInterval a switch silent this long gets an echo request; silent twice as long, dropped
 * @param handshakeTimeout a switch not ready this long after connecting is dropped
 * @param workerThreads event-loop threads for switch channels; one switch always stays on one thread
 * @param flowsOnConnect what the handshake does with the flow entries a connecting switch already holds
 * @param limits what one switch connection may make the controller hold
 * @param admission which datapath ids may connect, and which ids a TLS certificate may claim
 */
public record ControllerConfig(
    String listenHost,
    int listenPort,
    Optional<Tls> tls,
    Duration echoInterval,
    Duration handshakeTimeout,
    int workerThreads,
    FlowsOnConnect flowsOnConnect,
    ChannelLimits limits,
    SwitchAdmission admission) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 6653;
  public static final Duration DEFAULT_ECHO_INTERVAL = Duration.ofSeconds(5);
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /** PEM files for TLS: the controller's certificate and PKCS#8 key, and the CA that signs switches. */
  public record Tls(Path certificate, Path privateKey, Path caCertificate) {
    public Tls {
      Objects.requireNonNull(certificate, "certificate");
      Objects.requireNonNull(privateKey, "privateKey");
      Objects.requireNonNull(caCertificate, "caCertificate");
    }
  }

  /**
   * What the handshake does with a connecting switch's flow table. OpenFlow cannot delete "all but
   * cookie X", so keeping is all or nothing: an app that keeps must reconcile the table itself.
   */
  public enum FlowsOnConnect {
    /** Delete every entry, then add the table-miss: a switch starts from nothing (the default). */
    CLEAR,
    /**
     * Keep the entries (a switch that reconnects, or a controller that restarts, leaves established
     * connections flowing) and only (re)add the table-miss. OpenFlow 1.0 switches are cleared anyway:
     * 1.0 has no cookie masks to read or delete an app's entries by.
     */
    KEEP
  }

  /** The six settings of the first release; the flow table is cleared on connect. */
  public ControllerConfig(String listenHost, int listenPort, Optional<Tls> tls, Duration echoInterval,
      Duration handshakeTimeout, int workerThreads) {
    this(listenHost, listenPort, tls, echoInterval, handshakeTimeout, workerThreads, FlowsOnConnect.CLEAR);
  }

  /** The seven settings before the channel limits and admission: their defaults. */
  public ControllerConfig(String listenHost, int listenPort, Optional<Tls> tls, Duration echoInterval,
      Duration handshakeTimeout, int workerThreads, FlowsOnConnect flowsOnConnect) {
    this(listenHost, listenPort, tls, echoInterval, handshakeTimeout, workerThreads, flowsOnConnect,
        ChannelLimits.DEFAULTS, SwitchAdmission.OPEN);
  }

  public ControllerConfig {
    Objects.requireNonNull(flowsOnConnect, "flowsOnConnect");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(admission, "admission");
    Objects.requireNonNull(listenHost, "listenHost");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(echoInterval, "echoInterval");
    Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    if (listenPort < 0 || listenPort > 65535) {
      throw new IllegalArgumentException("listen port out of range: " + listenPort);
    }
    if (echoInterval.isNegative() || echoInterval.isZero()) {
      throw new IllegalArgumentException("echo interval must be positive: " + echoInterval);
    }
    if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
      throw new IllegalArgumentException("handshake timeout must be positive: " + handshakeTimeout);
    }
    if (workerThreads < 1) {
      throw new IllegalArgumentException("worker threads must be at least 1: " + workerThreads);
    }
  }

  /**
   * The defaults of `statewall run`: 127.0.0.1:6653, no TLS, 5 s echo, 10 s handshake, one worker
   * event loop per core (switches are spread over them; each switch stays on one).
   */
  public static ControllerConfig defaults() {
    return new ControllerConfig(DEFAULT_HOST, DEFAULT_PORT, Optional.empty(), DEFAULT_ECHO_INTERVAL,
        DEFAULT_HANDSHAKE_TIMEOUT, Runtime.getRuntime().availableProcessors());
  }

  public ControllerConfig withListen(String host, int port) {
    return new ControllerConfig(host, port, tls, echoInterval, handshakeTimeout, workerThreads, flowsOnConnect, limits, admission);
  }

  public ControllerConfig withTls(Optional<Tls> newTls) {
    return new ControllerConfig(listenHost, listenPort, newTls, echoInterval, handshakeTimeout, workerThreads,
        flowsOnConnect, limits, admission);
  }

  public ControllerConfig withEchoInterval(Duration interval) {
    return new ControllerConfig(listenHost, listenPort, tls, interval, handshakeTimeout, workerThreads, flowsOnConnect, limits, admission);
  }

  public ControllerConfig withHandshakeTimeout(Duration timeout) {
    return new ControllerConfig(listenHost, listenPort, tls, echoInterval, timeout, workerThreads, flowsOnConnect, limits, admission);
  }

  public ControllerConfig withWorkerThreads(int threads) {
    return new ControllerConfig(listenHost, listenPort, tls, echoInterval, handshakeTimeout, threads, flowsOnConnect, limits, admission);
  }

  public ControllerConfig withFlowsOnConnect(FlowsOnConnect flows) {
    return new ControllerConfig(listenHost, listenPort, tls, echoInterval, handshakeTimeout, workerThreads, flows, limits, admission);
  }

  public ControllerConfig withLimits(ChannelLimits newLimits) {
    return new ControllerConfig(listenHost, listenPort, tls, echoInterval, handshakeTimeout, workerThreads,
        flowsOnConnect, newLimits, admission);
  }

  public ControllerConfig withAdmission(SwitchAdmission newAdmission) {
    return new ControllerConfig(listenHost, listenPort, tls, echoInterval, handshakeTimeout, workerThreads,
        flowsOnConnect, limits, newAdmission);
  }
}
