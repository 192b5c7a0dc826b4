package io.statewall.controller.channel;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.projectfloodlight.openflow.protocol.OFBadRequestCode;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFHelloFailedCode;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.OFErrorCauseData;

/** Builds the OpenFlow errors the controller sends back, in a version the switch can read. */
final class ErrorReplies {
  private ErrorReplies() {}

  /** The BAD_REQUEST error the spec asks for when a message cannot be handled, if it asks for one. */
  static Optional<OFErrorMsg> forMalformed(MalformedFrame frame, Optional<OFVersion> negotiated) {
    OFBadRequestCode code =
        switch (frame.problem()) {
          case BAD_VERSION -> OFBadRequestCode.BAD_VERSION;
          case BAD_TYPE -> OFBadRequestCode.BAD_TYPE;
          case UNPARSABLE, FRAMING_LOST -> OFBadRequestCode.BAD_LEN;
          case TRUNCATED_AT_CLOSE -> null;
        };
    if (code == null) {
      return Optional.empty();
    }
    OFFactory factory = OFFactories.getFactory(replyVersion(frame.version(), negotiated));
    return Optional.of(
        factory
            .errorMsgs()
            .buildBadRequestErrorMsg()
            .setXid(Math.max(frame.xid(), 0))
            .setCode(code)
            .setData(OFErrorCauseData.of(frame.head(), factory.getVersion()))
            .build());
  }

  static OFErrorMsg helloFailed(OFVersion version, long xid, String why) {
    OFFactory factory = OFFactories.getFactory(version);
    return factory
        .errorMsgs()
        .buildHelloFailedErrorMsg()
        .setXid(xid)
        .setCode(OFHelloFailedCode.INCOMPATIBLE)
        .setData(OFErrorCauseData.of(why.getBytes(StandardCharsets.US_ASCII), version))
        .build();
  }

  /** The negotiated version once there is one; before that the frame's own, if openflowj knows it. */
  static OFVersion replyVersion(int wireVersion, Optional<OFVersion> negotiated) {
    if (negotiated.isPresent()) {
      return negotiated.get();
    }
    for (OFVersion v : OFVersion.values()) {
      if (v.wireVersion == wireVersion) {
        return v;
      }
    }
    return OFVersion.OF_10;
  }
}
