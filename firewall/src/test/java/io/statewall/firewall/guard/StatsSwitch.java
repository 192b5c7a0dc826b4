package io.statewall.firewall.guard;

import io.statewall.controller.switches.SwitchHandle;
import io.statewall.topology.fakes.FakeSwitch;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.projectfloodlight.openflow.protocol.OFBarrierReply;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFRequest;
import org.projectfloodlight.openflow.protocol.OFStatsReply;
import org.projectfloodlight.openflow.protocol.OFStatsRequest;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;

/** A {@link FakeSwitch} that answers multipart requests with what the test says (null: no answer). */
final class StatsSwitch implements SwitchHandle {
  final FakeSwitch fake;
  private final Function<OFStatsRequest<?>, List<? extends OFStatsReply>> answers;

  StatsSwitch(FakeSwitch fake, Function<OFStatsRequest<?>, List<? extends OFStatsReply>> answers) {
    this.fake = fake;
    this.answers = answers;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <R extends OFStatsReply> CompletableFuture<List<R>> requestStats(OFStatsRequest<R> request) {
    List<? extends OFStatsReply> reply = answers.apply(request);
    return reply == null ? CompletableFuture.failedFuture(new IllegalStateException("no answer"))
        : CompletableFuture.completedFuture((List<R>) reply);
  }

  @Override
  public DatapathId id() {
    return fake.id();
  }

  @Override
  public OFVersion version() {
    return fake.version();
  }

  @Override
  public OFFactory factory() {
    return fake.factory();
  }

  @Override
  public OFFeaturesReply features() {
    return fake.features();
  }

  @Override
  public Collection<OFPortDesc> ports() {
    return fake.ports();
  }

  @Override
  public Optional<OFPortDesc> port(OFPort number) {
    return fake.port(number);
  }

  @Override
  public boolean isConnected() {
    return fake.isConnected();
  }

  @Override
  public boolean isReady() {
    return fake.isReady();
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
  public void write(OFMessage message) {
    fake.write(message);
  }

  @Override
  public void write(Iterable<? extends OFMessage> messages) {
    fake.write(messages);
  }

  @Override
  public <R extends OFMessage> CompletableFuture<R> request(OFRequest<R> request) {
    return fake.request(request);
  }

  @Override
  public CompletableFuture<OFBarrierReply> barrier() {
    return fake.barrier();
  }

  @Override
  public void disconnect() {
    fake.disconnect();
  }
}
