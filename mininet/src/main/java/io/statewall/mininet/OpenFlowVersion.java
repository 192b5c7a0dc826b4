package io.statewall.mininet;

import java.util.Arrays;
import java.util.Optional;

/** OpenFlow protocol versions, with Open vSwitch's names and the wire version byte. */
public enum OpenFlowVersion {
  OF_10("OpenFlow10", 1),
  OF_11("OpenFlow11", 2),
  OF_12("OpenFlow12", 3),
  OF_13("OpenFlow13", 4),
  OF_14("OpenFlow14", 5),
  OF_15("OpenFlow15", 6);

  private final String ovsName;
  private final int wireVersion;

  OpenFlowVersion(String ovsName, int wireVersion) {
    this.ovsName = ovsName;
    this.wireVersion = wireVersion;
  }

  /** The name in a bridge's protocols column and in ovs-ofctl's -O option. */
  public String ovsName() {
    return ovsName;
  }

  /** The version byte of the OpenFlow header. */
  public int wireVersion() {
    return wireVersion;
  }

  /** The version with this header byte, if OVS knows it. */
  public static Optional<OpenFlowVersion> fromWire(int wireVersion) {
    return Arrays.stream(values()).filter(v -> v.wireVersion == wireVersion).findFirst();
  }
}
