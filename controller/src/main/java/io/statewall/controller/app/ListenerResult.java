package io.statewall.controller.app;

/** What a listener tells the dispatcher: let later listeners see the event, or stop here. */
public enum ListenerResult {
  CONTINUE,
  STOP
}
