package io.statewall.operator.api;

/** A request the API refuses: the HTTP status (4xx) and what is wrong, sent as a JSON error. */
public final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  public ApiError(int status, String message) {
    super(message);
    this.status = status;
  }

  public static ApiError badRequest(String message) {
    return new ApiError(400, message);
  }

  public int status() {
    return status;
  }
}
