package io.statewall.operator.api;

import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.Set;

/**
 * One route of the API: its method and path, what it does, the query parameters it takes (any other
 * is a 400) and its handler. The OpenAPI document is made from the same list the server serves.
 */
record Route(HandlerType method, String path, String summary, Set<String> params, boolean hasBody, Handler handler) {
  Route {
    params = Set.copyOf(params);
  }
}
