package io.statewall.it.topology;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.topology.Attachment;
import io.statewall.topology.OpenFlowPorts;
import io.statewall.topology.TopologyEvent;
import io.statewall.topology.TopologyListener;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPortStatus;

/**
 * A test app that sees every packet-in and port-status before topology does (order 0), and every
 * topology event after forwarding has handled it (it subscribes last), each with its
 * {@link System#nanoTime()}. Bounded: the first {@value #LIMIT} of each kind are kept.
 */
final class Recorder implements App, TopologyListener {

  static final int LIMIT = 20_000;

  record PacketIn(long atNanos, Attachment at, byte[] frame) {}

  record PortStatus(long atNanos, Attachment port, boolean up) {}

  record Event(long atNanos, TopologyEvent event) {}

  private final List<PacketIn> packetIns = new ArrayList<>();
  private final List<PortStatus> portStatuses = new ArrayList<>();
  private final List<Event> events = new ArrayList<>();

  @Override
  public String name() {
    return "test-recorder";
  }

  @Override
  public void start(AppContext context) {
    context.addMessageListener(OFPacketIn.class, 0, this::packetIn);
    context.addSwitchListener(0, new SwitchListener() {
      @Override
      public void portChanged(SwitchHandle sw, OFPortStatus status) {
        long now = System.nanoTime();
        synchronized (Recorder.this) {
          if (portStatuses.size() < LIMIT) {
            portStatuses.add(new PortStatus(now, new Attachment(sw.id(), status.getDesc().getPortNo()),
                OpenFlowPorts.isUp(status.getDesc())));
          }
        }
      }
    });
  }

  private ListenerResult packetIn(SwitchHandle sw, OFPacketIn pi) {
    long now = System.nanoTime();
    Attachment at = new Attachment(sw.id(), OpenFlowPorts.inPort(pi));
    synchronized (this) {
      if (packetIns.size() < LIMIT) {
        packetIns.add(new PacketIn(now, at, pi.getData()));
      }
    }
    return ListenerResult.CONTINUE;
  }

  @Override
  public void topologyChanged(TopologyEvent event) {
    long now = System.nanoTime();
    synchronized (this) {
      if (events.size() < LIMIT) {
        events.add(new Event(now, event));
      }
    }
  }

  synchronized List<PacketIn> packetIns(Predicate<PacketIn> which) {
    return packetIns.stream().filter(which).toList();
  }

  synchronized List<PortStatus> portStatuses() {
    return List.copyOf(portStatuses);
  }

  synchronized List<Event> events() {
    return List.copyOf(events);
  }

  synchronized List<Event> eventsSince(long nanos) {
    return events.stream().filter(e -> e.atNanos() >= nanos).toList();
  }
}
