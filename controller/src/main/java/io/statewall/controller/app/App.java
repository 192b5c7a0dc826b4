package io.statewall.controller.app;

/** A controller application: registers its listeners on start, releases what it holds on stop. */
public interface App {
  String name();

  void start(AppContext context);

  /**
   * The controller is closing: called on every started app, last started first, before its switches
   * are disconnected (which {@link #stop} follows). For what must end before the app sees its
   * switches go because of its own shutdown rather than the network's: a cluster member stops
   * telling its peers what it sees, so that they keep its last view for its heirs instead of the
   * empty one its closing leaves it with.
   */
  default void stopping() {}

  default void stop() {}
}
