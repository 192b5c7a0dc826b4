package io.statewall.controller.roles;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.statewall.controller.logging.RateLimitedLog;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFType;
import org.projectfloodlight.openflow.types.DatapathId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a switch pipeline in a cluster: holds back what only a master may send (the
 * messages OpenFlow 1.3 §6.3.7 has a switch refuse from a slave) unless the {@link WriteFence} is open
 * for this switch. Sitting at the tail, it sees everything apps write through the switch handle; the
 * handshake writes from its own place in the pipeline, below it, and is not held.
 *
 * <p>A held-back write may be taken by the fence's {@link WriteFence.Relay} instead (a cluster member
 * hands a connection's entries for another member's switch to that switch's master).
 *
 * <p>The switch refuses a stale master by itself (the generation id); this stops the controller from
 * even trying, and from sending packet-outs, which a switch that thinks us EQUAL would accept.
 */
public final class WriteFenceHandler extends ChannelOutboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(WriteFenceHandler.class);
  static final Set<OFType> MASTER_ONLY = EnumSet.of(OFType.FLOW_MOD, OFType.PACKET_OUT, OFType.GROUP_MOD,
      OFType.PORT_MOD, OFType.TABLE_MOD, OFType.METER_MOD);

  private final Supplier<Optional<DatapathId>> dpid;
  private final WriteFence fence;
  private final RateLimitedLog log = RateLimitedLog.info(LOG);

  /** {@code dpid} names the switch once its features are known (the connection's datapath id). */
  public WriteFenceHandler(Supplier<Optional<DatapathId>> dpid, WriteFence fence) {
    this.dpid = dpid;
    this.fence = fence;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (msg instanceof OFMessage m && MASTER_ONLY.contains(m.getType())) {
      Optional<DatapathId> id = dpid.get();
      if (id.isEmpty() || !fence.mayWrite(id.get())) {
        if (id.isPresent() && fence.relay(id.get(), m)) {
          promise.trySuccess(); // the switch's master writes it
          return;
        }
        fence.countFenced();
        log.log("switch {}: not master here: holding back {} (and others like it)", id.orElse(null), m.getType());
        if (!promise.isVoid()) {
          promise.tryFailure(new NotMasterException(String.valueOf(id.orElse(null)), m.getType()));
        }
        return;
      }
    }
    ctx.write(msg, promise);
  }

  /** A write held back because this controller is not the switch's master. */
  public static final class NotMasterException extends Exception {
    NotMasterException(String sw, OFType type) {
      super("not master of switch " + sw + ": " + type + " not sent");
    }
  }
}
