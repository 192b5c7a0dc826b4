package io.statewall.controller.channel;

import java.util.List;
import java.util.Optional;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFHello;
import org.projectfloodlight.openflow.protocol.OFHelloElem;
import org.projectfloodlight.openflow.protocol.OFHelloElemVersionbitmap;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.U32;

/** OpenFlow version negotiation by hello version bitmap: the highest version both sides speak wins. */
public final class VersionNegotiation {
  /** The versions statewall speaks, lowest first. */
  public static final List<OFVersion> SUPPORTED =
      List.of(OFVersion.OF_10, OFVersion.OF_13, OFVersion.OF_14, OFVersion.OF_15);

  private VersionNegotiation() {}

  /** Our hello: the highest supported version in the header, every supported version in the bitmap. */
  public static OFHello hello(long xid) {
    OFVersion highest = SUPPORTED.get(SUPPORTED.size() - 1);
    OFFactory factory = OFFactories.getFactory(highest);
    long bits = 0;
    for (OFVersion v : SUPPORTED) {
      bits |= 1L << v.wireVersion;
    }
    OFHelloElem bitmap = factory.helloElemVersionbitmap(List.of(U32.of(bits)));
    return factory.buildHello().setXid(xid).setElements(List.of(bitmap)).build();
  }

  /**
   * The version to use with a peer that sent {@code theirs}: with a bitmap, the highest version in both
   * bitmaps; without one (OpenFlow 1.0 to 1.2), the lower of the two header versions, if we speak it.
   */
  public static Optional<OFVersion> negotiate(OFHello theirs) {
    Optional<Long> bitmap = bitmap(theirs);
    if (bitmap.isPresent()) {
      long peerBits = bitmap.get();
      return SUPPORTED.stream()
          .filter(v -> v.wireVersion < 64 && (peerBits & (1L << v.wireVersion)) != 0)
          .reduce((a, b) -> b);
    }
    int common = Math.min(theirs.getVersion().wireVersion, SUPPORTED.get(SUPPORTED.size() - 1).wireVersion);
    return SUPPORTED.stream().filter(v -> v.wireVersion == common).findFirst();
  }

  /** The first 64 bits of the peer's version bitmap (versions up to 63), if it sent one. */
  private static Optional<Long> bitmap(OFHello hello) {
    if (hello.getVersion().compareTo(OFVersion.OF_13) < 0) {
      return Optional.empty(); // hello elements exist from 1.3.1 on
    }
    for (OFHelloElem elem : hello.getElements()) {
      if (elem instanceof OFHelloElemVersionbitmap vb && !vb.getBitmaps().isEmpty()) {
        List<U32> words = vb.getBitmaps();
        long low = words.get(0).getValue();
        long high = words.size() > 1 ? words.get(1).getValue() : 0;
        return Optional.of(low | (high << 32));
      }
    }
    return Optional.empty();
  }
}
