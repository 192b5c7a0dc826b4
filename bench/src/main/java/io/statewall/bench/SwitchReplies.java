package io.statewall.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.projectfloodlight.openflow.protocol.OFActionType;
import org.projectfloodlight.openflow.protocol.OFBadRequestCode;
import org.projectfloodlight.openflow.protocol.OFCapabilities;
import org.projectfloodlight.openflow.protocol.OFConfigFlags;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFEchoRequest;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortConfig;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortFeatures;
import org.projectfloodlight.openflow.protocol.OFPortState;
import org.projectfloodlight.openflow.protocol.OFRoleRequest;
import org.projectfloodlight.openflow.protocol.OFStatsRequest;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFAuxId;
import org.projectfloodlight.openflow.types.OFErrorCauseData;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.U64;

/**
 * What an emulated switch answers to the controller's handshake and housekeeping requests (features,
 * port descriptions, statistics, echo, configuration, role): the same for every kind of emulated switch.
 *
 * @param number the switch's number (its names and port MACs)
 * @param datapathId its datapath id
 * @param portCount ports 1..portCount, all up
 */
record SwitchReplies(int number, long datapathId, int portCount) {

  OFFeaturesReply featuresReply(OFFactory factory, long xid) {
    OFFeaturesReply.Builder b = factory.buildFeaturesReply().setXid(xid)
        .setDatapathId(DatapathId.of(datapathId))
        .setNBuffers(0)
        .setCapabilities(EnumSet.of(
            OFCapabilities.FLOW_STATS, OFCapabilities.TABLE_STATS, OFCapabilities.PORT_STATS));
    if (factory.getVersion() == OFVersion.OF_10) {
      b.setNTables((short) 1).setPorts(ports(factory)).setActions(EnumSet.of(OFActionType.OUTPUT));
    } else {
      b.setNTables((short) 254).setAuxiliaryId(OFAuxId.MAIN);
    }
    return b.build();
  }

  List<OFPortDesc> ports(OFFactory factory) {
    List<OFPortDesc> ports = new ArrayList<>();
    boolean v10 = factory.getVersion() == OFVersion.OF_10;
    for (int p = 1; p <= portCount; p++) {
      OFPortDesc.Builder b = factory.buildPortDesc()
          .setPortNo(OFPort.of(p))
          .setHwAddr(MacAddress.of(0x0600_0000_0000L | ((long) number << 8) | p))
          .setName("s" + number + "-eth" + p)
          .setConfig(EnumSet.noneOf(OFPortConfig.class))
          .setState(v10 ? EnumSet.noneOf(OFPortState.class) : EnumSet.of(OFPortState.LIVE))
          .setCurr(EnumSet.of(OFPortFeatures.PF_1GB_FD, OFPortFeatures.PF_COPPER))
          .setAdvertised(EnumSet.noneOf(OFPortFeatures.class))
          .setSupported(EnumSet.noneOf(OFPortFeatures.class))
          .setPeer(EnumSet.noneOf(OFPortFeatures.class));
      if (!v10) {
        b.setCurrSpeed(1_000_000).setMaxSpeed(1_000_000);
      }
      ports.add(b.build());
    }
    return List.copyOf(ports);
  }

  /**
   * The reply to an echo, configuration, statistics or role request, or null for any other message
   * (which the caller handles, or a switch takes silently).
   */
  OFMessage reply(OFFactory factory, OFMessage m, int missSendLen) {
    return switch (m.getType()) {
      case ECHO_REQUEST -> factory.buildEchoReply().setXid(m.getXid())
          .setData(((OFEchoRequest) m).getData()).build();
      case GET_CONFIG_REQUEST -> factory.buildGetConfigReply().setXid(m.getXid())
          .setFlags(EnumSet.noneOf(OFConfigFlags.class)).setMissSendLen(missSendLen).build();
      case STATS_REQUEST -> statsReply(factory, (OFStatsRequest<?>) m);
      case ROLE_REQUEST -> {
        OFRoleRequest r = (OFRoleRequest) m;
        OFControllerRole role = r.getRole() == OFControllerRole.ROLE_NOCHANGE
            ? OFControllerRole.ROLE_EQUAL : r.getRole();
        yield factory.buildRoleReply().setXid(m.getXid()).setRole(role)
            .setGenerationId(r.getGenerationId()).build();
      }
      default -> null;
    };
  }

  private OFMessage statsReply(OFFactory factory, OFStatsRequest<?> r) {
    long xid = r.getXid();
    return switch (r.getStatsType()) {
      case DESC -> factory.buildDescStatsReply().setXid(xid).setMfrDesc("statewall")
          .setHwDesc("emulated switch").setSwDesc("statewall bench").setSerialNum("s" + number)
          .setDpDesc("switch s" + number).build();
      case PORT_DESC -> factory.buildPortDescStatsReply().setXid(xid).setEntries(ports(factory)).build();
      case FLOW -> factory.buildFlowStatsReply().setXid(xid).setEntries(List.of()).build();
      case PORT -> factory.buildPortStatsReply().setXid(xid).setEntries(List.of()).build();
      case TABLE -> factory.buildTableStatsReply().setXid(xid).setEntries(List.of()).build();
      case AGGREGATE -> factory.buildAggregateStatsReply().setXid(xid)
          .setPacketCount(U64.ZERO).setByteCount(U64.ZERO).setFlowCount(0).build();
      default -> factory.errorMsgs().buildBadRequestErrorMsg().setXid(xid)
          .setCode(OFBadRequestCode.BAD_STAT)
          .setData(OFErrorCauseData.of(head(r), factory.getVersion())).build();
    };
  }

  private static byte[] head(OFMessage m) {
    ByteBuf buf = Unpooled.buffer();
    try {
      m.writeTo(buf);
      byte[] b = new byte[Math.min(64, buf.readableBytes())];
      buf.readBytes(b);
      return b;
    } finally {
      buf.release();
    }
  }
}
