package io.statewall.controller;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.statewall.controller.app.App;
import io.statewall.controller.app.AppScheduler;
import io.statewall.controller.app.ControllerAppContext;
import io.statewall.controller.app.ListenerDispatcher;
import io.statewall.controller.channel.OpenFlowChannelInitializer;
import io.statewall.controller.roles.WriteFence;
import io.statewall.controller.switches.SwitchDirectory;
import io.statewall.controller.switches.SwitchRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenFlow controller: listens for switches, runs them through the handshake and hands them to its
 * apps. {@link #start()} starts the apps and binds; {@link #close()} disconnects every switch, stops the
 * apps and releases the port.
 */
public final class Controller implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Controller.class);
  /** The prefix of the names of the event-loop threads that serve switches ("statewall-switch-1-1"). */
  public static final String SWITCH_THREAD_NAME = "statewall-switch";
  /** Above this many queued bytes a switch counts as unwritable; below the low mark it is writable again. */
  private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

  private final ControllerConfig config;
  private final List<App> apps;
  private final Optional<WriteFence> fence;
  private final ListenerDispatcher dispatcher = new ListenerDispatcher();
  private final ChannelStats channelStats = new ChannelStats();
  private final SwitchDirectory directory = new SwitchDirectory(dispatcher, channelStats);
  private final CountDownLatch closed = new CountDownLatch(1);
  private final List<App> started = new ArrayList<>();
  private ScheduledExecutorService scheduler;
  private EventLoopGroup bossGroup;
  private EventLoopGroup workerGroup;
  private ChannelGroup switchChannels;
  private Channel serverChannel;
  private boolean closing;

  public Controller(ControllerConfig config, List<App> apps) {
    this(config, apps, Optional.empty());
  }

  /** A cluster member's controller: apps may change a switch only where {@code fence} says it is master. */
  public Controller(ControllerConfig config, List<App> apps, Optional<WriteFence> fence) {
    this.config = config;
    this.apps = List.copyOf(apps);
    this.fence = fence;
  }

  /** Starts the apps, then listens; returns the bound address (a free port when the config says 0). */
  public synchronized InetSocketAddress start() throws IOException {
    if (serverChannel != null || closing) {
      throw new IllegalStateException("controller already started");
    }
    Optional<SslContext> tls = sslContext(config.tls());
    scheduler = new AppScheduler();
    try {
      for (App app : apps) {
        app.start(new ControllerAppContext(app.name(), dispatcher, directory, scheduler, channelStats));
        started.add(app);
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    bossGroup = new NioEventLoopGroup(1, new DefaultThreadFactory("statewall-accept", true));
    workerGroup = new NioEventLoopGroup(config.workerThreads(), new DefaultThreadFactory(SWITCH_THREAD_NAME, true));
    switchChannels = new DefaultChannelGroup("switches", ImmediateEventExecutor.INSTANCE);
    OpenFlowChannelInitializer pipeline = new OpenFlowChannelInitializer(tls, config, directory, fence);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(bossGroup, workerGroup)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    switchChannels.add(ch);
                    ch.pipeline().addLast(pipeline);
                  }
                });
    ChannelFuture bind = bootstrap.bind(config.listenHost(), config.listenPort()).awaitUninterruptibly();
    if (!bind.isSuccess()) {
      close();
      Throwable cause = bind.cause();
      throw new IOException("cannot listen on " + config.listenHost() + ":" + config.listenPort() + ": "
          + cause.getMessage(), cause);
    }
    serverChannel = bind.channel();
    InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
    LOG.info("listening for OpenFlow switches on {}{}", bound, tls.isPresent() ? " (TLS)" : "");
    if (tls.isEmpty() && !bound.getAddress().isLoopbackAddress()) {
      LOG.warn("switches connect to {} without TLS: any host that reaches it can claim to be a switch "
          + "(see docs/security.md)", bound);
    }
    return bound;
  }

  public SwitchRegistry switches() {
    return directory;
  }

  /** What the switch channels refused, dropped and disconnected since start. */
  public ChannelStats channelStats() {
    return channelStats;
  }

  /** How many listener calls have thrown since start (each was logged and skipped). */
  public long listenerFailures() {
    return dispatcher.failures();
  }

  /** Blocks until {@link #close()} has finished. */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  /** Runs {@code step} on every started app, the last started first; one that throws does not stop the rest. */
  private void lastStartedFirst(Consumer<App> step, String what) {
    for (int i = started.size() - 1; i >= 0; i--) {
      App app = started.get(i);
      try {
        step.accept(app);
      } catch (RuntimeException e) {
        LOG.error("app {} failed to {}", app.name(), what, e);
      }
    }
  }

  /**
   * Tells the apps it is stopping ({@link App#stopping}), stops listening, disconnects every switch,
   * stops the apps and the threads. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closing) {
      return;
    }
    closing = true;
    try {
      lastStartedFirst(App::stopping, "prepare for stopping");
      if (serverChannel != null) {
        serverChannel.close().awaitUninterruptibly();
      }
      if (switchChannels != null) {
        // closing runs each switch's channelInactive, so apps hear every disconnect before they stop.
        // Netty completes a close's future and only then, in the same task, queues channelInactive
        // (AbstractChannel's invokeLater): a task submitted as soon as the future is done can run before
        // it (it did on a quiet machine, session 15). A task queued from the loop once that close task
        // has finished runs after it: two hops are the barrier.
        switchChannels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (workerGroup != null) {
          for (EventExecutor loop : workerGroup) {
            if (!loop.isShuttingDown() && !loop.inEventLoop()) {
              Promise<Void> behind = loop.newPromise();
              loop.execute(() -> loop.execute(() -> behind.trySuccess(null)));
              behind.awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
          }
        }
      }
      lastStartedFirst(App::stop, "stop");
      if (scheduler != null) {
        scheduler.shutdownNow();
      }
      shutdown(workerGroup);
      shutdown(bossGroup);
      LOG.info("controller stopped");
    } finally {
      closed.countDown();
    }
  }

  private static void shutdown(EventLoopGroup group) {
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  private static Optional<SslContext> sslContext(Optional<ControllerConfig.Tls> tls) throws IOException {
    if (tls.isEmpty()) {
      return Optional.empty();
    }
    ControllerConfig.Tls files = tls.get();
    try {
      return Optional.of(
          SslContextBuilder.forServer(files.certificate().toFile(), files.privateKey().toFile())
              .trustManager(files.caCertificate().toFile())
              .clientAuth(ClientAuth.REQUIRE)
              .sslProvider(SslProvider.JDK)
              .build());
    } catch (SSLException | IllegalArgumentException e) {
      throw new IOException("cannot load TLS files (certificate " + files.certificate() + ", key "
          + files.privateKey() + ", CA " + files.caCertificate() + "): " + e.getMessage(), e);
    }
  }
}
