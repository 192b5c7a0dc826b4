package io.statewall.topology.fakes;

import io.statewall.controller.switches.SwitchHandle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.projectfloodlight.openflow.protocol.OFBarrierReply;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFPortConfig;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortReason;
import org.projectfloodlight.openflow.protocol.OFPortState;
import org.projectfloodlight.openflow.protocol.OFPortStatus;
import org.projectfloodlight.openflow.protocol.OFRequest;
import org.projectfloodlight.openflow.protocol.OFStatsReply;
import org.projectfloodlight.openflow.protocol.OFStatsRequest;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/** A switch that records what the controller writes to it; ports can be set up or down. */
public final class FakeSwitch implements SwitchHandle {

  private final DatapathId id;
  private final OFFactory factory;
  private final Map<Integer, OFPortDesc> ports = new TreeMap<>();
  private final List<OFMessage> written = new ArrayList<>();
  private boolean connected = true;

  public FakeSwitch(long dpid, OFVersion version, int... portNumbers) {
    this.id = DatapathId.of(dpid);
    this.factory = OFFactories.getFactory(version);
    for (int p : portNumbers) {
      ports.put(p, desc(p, true));
    }
  }

  public static FakeSwitch of13(long dpid, int... ports) {
    return new FakeSwitch(dpid, OFVersion.OF_13, ports);
  }

  public OFPortDesc desc(int port, boolean up) {
    return factory.buildPortDesc()
        .setPortNo(OFPort.of(port))
        .setHwAddr(MacAddress.of(0x0200_0000_0000L | id.getLong() << 8 | port))
        .setName("s" + id.getLong() + "-eth" + port)
        .setConfig(up ? java.util.Set.of() : java.util.Set.of(OFPortConfig.PORT_DOWN))
        .setState(up ? java.util.Set.of() : java.util.Set.of(OFPortState.LINK_DOWN))
        .build();
  }

  /** Changes a port's state and returns the port-status message the switch would send. */
  public synchronized OFPortStatus setPort(int port, boolean up) {
    OFPortDesc d = desc(port, up);
    ports.put(port, d);
    return factory.buildPortStatus().setReason(OFPortReason.MODIFY).setDesc(d).build();
  }

  public OFPacketIn packetIn(int port, byte[] frame) {
    OFPacketIn.Builder b = factory.buildPacketIn()
        .setBufferId(OFBufferId.NO_BUFFER)
        .setTotalLen(frame.length)
        .setReason(OFPacketInReason.NO_MATCH)
        .setData(frame);
    if (factory.getVersion().compareTo(OFVersion.OF_12) < 0) {
      b.setInPort(OFPort.of(port));
    } else {
      b.setMatch(factory.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(port)).build())
          .setTableId(TableId.ZERO);
      if (factory.getVersion().compareTo(OFVersion.OF_13) >= 0) {
        b.setCookie(U64.ZERO);
      }
    }
    return b.build();
  }

  public synchronized List<OFMessage> written() {
    return List.copyOf(written);
  }

  public synchronized <T extends OFMessage> List<T> written(Class<T> type) {
    return written.stream().filter(type::isInstance).map(type::cast).toList();
  }

  public List<OFPacketOut> packetOuts() {
    return written(OFPacketOut.class);
  }

  public List<org.projectfloodlight.openflow.protocol.OFFlowAdd> flowAdds() {
    return written(org.projectfloodlight.openflow.protocol.OFFlowAdd.class);
  }

  public List<org.projectfloodlight.openflow.protocol.OFFlowDeleteStrict> flowDeletes() {
    return written(org.projectfloodlight.openflow.protocol.OFFlowDeleteStrict.class);
  }

  /** Every delete written, strict (one entry) or not (an entry and whatever narrower is under it). */
  public synchronized List<org.projectfloodlight.openflow.protocol.OFFlowMod> deletes() {
    return written.stream()
        .filter(m -> m instanceof org.projectfloodlight.openflow.protocol.OFFlowDeleteStrict
            || m instanceof org.projectfloodlight.openflow.protocol.OFFlowDelete)
        .map(org.projectfloodlight.openflow.protocol.OFFlowMod.class::cast).toList();
  }

  public synchronized void clear() {
    written.clear();
  }

  public synchronized void setConnected(boolean c) {
    connected = c;
  }

  @Override
  public DatapathId id() {
    return id;
  }

  @Override
  public OFVersion version() {
    return factory.getVersion();
  }

  @Override
  public OFFactory factory() {
    return factory;
  }

  @Override
  public OFFeaturesReply features() {
    return factory.buildFeaturesReply().setDatapathId(id).build();
  }

  @Override
  public synchronized Collection<OFPortDesc> ports() {
    return List.copyOf(ports.values());
  }

  @Override
  public synchronized Optional<OFPortDesc> port(OFPort number) {
    return Optional.ofNullable(ports.get(number.getPortNumber()));
  }

  @Override
  public synchronized boolean isConnected() {
    return connected;
  }

  @Override
  public synchronized boolean isReady() {
    return connected;
  }

  @Override
  public boolean isWritable() {
    return true;
  }

  @Override
  public CompletableFuture<Void> whenWritable() {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized void write(OFMessage message) {
    written.add(message);
  }

  @Override
  public synchronized void write(Iterable<? extends OFMessage> messages) {
    messages.forEach(written::add);
  }

  @Override
  public <R extends OFMessage> CompletableFuture<R> request(OFRequest<R> request) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("fake switch"));
  }

  @Override
  public <R extends OFStatsReply> CompletableFuture<List<R>> requestStats(OFStatsRequest<R> request) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("fake switch"));
  }

  @Override
  public CompletableFuture<OFBarrierReply> barrier() {
    return CompletableFuture.completedFuture(factory.buildBarrierReply().build());
  }

  @Override
  public synchronized void disconnect() {
    connected = false;
  }

  @Override
  public String toString() {
    return "FakeSwitch(" + id + ")";
  }
}
