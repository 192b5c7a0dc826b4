package io.statewall.controller.switches;

/** A request failed because it would take a switch over a {@link io.statewall.controller.ChannelLimits} bound. */
public final class RequestLimitException extends RuntimeException {
  public RequestLimitException(String message) {
    super(message);
  }
}
