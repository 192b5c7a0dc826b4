package io.statewall.controller.launch;

/** Where `run` registers what closes the controller on SIGINT/SIGTERM; the JVM's, or a test's. */
interface ShutdownHooks {
  void add(Thread hook);

  ShutdownHooks JVM = hook -> Runtime.getRuntime().addShutdownHook(hook);
}
