package io.statewall.bench;

import java.time.Duration;
import org.projectfloodlight.openflow.protocol.OFVersion;

/**
 * A run of emulated switches in the style of third-party controller benchmarks ({@link CbenchSwitch}).
 *
 * @param switches emulated switches
 * @param ports ports per switch
 * @param macsPerSwitch distinct source MACs (and addresses) per switch
 * @param window unanswered packet-ins per switch at most
 * @param rampUp load before measuring starts
 * @param duration how long answers are counted
 * @param version the OpenFlow version the switches offer
 * @param answerTimeout a packet-in unanswered this long is lost and frees its place in the window
 */
public record CbenchConfig(int switches, int ports, int macsPerSwitch, int window, Duration rampUp,
    Duration duration, OFVersion version, Duration answerTimeout) {

  /** Packet-ins unanswered for half a second are lost. */
  public CbenchConfig(int switches, int ports, int macsPerSwitch, int window, Duration rampUp, Duration duration,
      OFVersion version) {
    this(switches, ports, macsPerSwitch, window, rampUp, duration, version, Duration.ofMillis(500));
  }

  public CbenchConfig {
    if (switches < 1 || switches > 256) {
      throw new IllegalArgumentException("switches must be 1..256, got " + switches);
    }
    if (ports < 1 || ports > 64) {
      throw new IllegalArgumentException("ports must be 1..64, got " + ports);
    }
    if (macsPerSwitch < 1 || macsPerSwitch > 65_536) {
      throw new IllegalArgumentException("MACs per switch must be 1..65536, got " + macsPerSwitch);
    }
    if (window < 1 || window > 65_536) {
      throw new IllegalArgumentException("window must be 1..65536, got " + window);
    }
    if (duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("duration must be in (0, 1h], got " + duration);
    }
    if (answerTimeout.isNegative() || answerTimeout.isZero()) {
      throw new IllegalArgumentException("answer timeout must be positive, got " + answerTimeout);
    }
    if (version != OFVersion.OF_10 && version != OFVersion.OF_13) {
      throw new IllegalArgumentException("OpenFlow version must be 1.0 or 1.3, got " + version);
    }
  }
}
