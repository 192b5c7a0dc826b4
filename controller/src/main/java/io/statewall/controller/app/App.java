package io.statewall.controller.app;

/** A controller application: registers its listeners on start, releases what it holds on stop. */
public interface App {
  String name();

  void start(AppContext context);

  default void stop() {}
}
