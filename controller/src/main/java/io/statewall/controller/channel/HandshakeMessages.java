package io.statewall.controller.channel;

import java.util.List;
import java.util.Set;
import org.projectfloodlight.openflow.protocol.OFBarrierRequest;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFFlowDelete;
import org.projectfloodlight.openflow.protocol.OFSetConfig;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFGroup;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;

/** The messages that program a freshly connected switch, for each version's wire format. */
final class HandshakeMessages {
  /** OFPCML_NO_BUFFER: whole packets to the controller, nothing buffered in the switch. */
  static final int NO_BUFFER = 0xffff;

  private HandshakeMessages() {}

  static OFSetConfig setConfig(OFFactory factory, long xid) {
    return factory.buildSetConfig().setXid(xid).setFlags(Set.of()).setMissSendLen(NO_BUFFER).build();
  }

  static OFFlowDelete deleteAllFlows(OFFactory factory, long xid) {
    OFFlowDelete.Builder delete =
        factory.buildFlowDelete().setXid(xid).setMatch(factory.matchWildcardAll()).setOutPort(OFPort.ANY);
    if (factory.getVersion() != OFVersion.OF_10) {
      delete.setTableId(TableId.ALL).setOutGroup(OFGroup.ANY);
    }
    return delete.build();
  }

  /** Priority 0, match everything, send to the controller: what a fail-secure switch does with a miss. */
  static OFFlowAdd tableMiss(OFFactory factory, long xid) {
    List<OFAction> toController =
        List.of(factory.actions().buildOutput().setPort(OFPort.CONTROLLER).setMaxLen(NO_BUFFER).build());
    OFFlowAdd.Builder add =
        factory
            .buildFlowAdd()
            .setXid(xid)
            .setPriority(0)
            .setMatch(factory.matchWildcardAll())
            .setBufferId(OFBufferId.NO_BUFFER);
    if (factory.getVersion() == OFVersion.OF_10) {
      add.setActions(toController);
    } else {
      add.setTableId(TableId.of(0))
          .setInstructions(List.of(factory.instructions().applyActions(toController)));
    }
    return add.build();
  }

  static OFBarrierRequest barrier(OFFactory factory, long xid) {
    return factory.buildBarrierRequest().setXid(xid).build();
  }
}
