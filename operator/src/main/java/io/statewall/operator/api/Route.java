package io.statewall.operator.api;

import com.fasterxml.jackson.core.type.TypeReference;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.lang.reflect.Type;
import java.util.Set;

/**
 * One route of the API: its method and path, what it does, the query parameters it takes (any other
 * is a 400), the body it reads (null: none), what it answers and its handler. The OpenAPI document
 * is made from the same list the server serves, its schemas from the same wire types.
 */
record Route(HandlerType method, String path, String summary, Set<String> params, Body request, Body response,
    Handler handler) {
  Route {
    params = Set.copyOf(params);
  }

  /** A body's media type and, for JSON, the wire type Jackson reads or writes (null: free-form text). */
  record Body(String mediaType, Type type) {
    static Body json(Class<?> type) {
      return new Body("application/json", type);
    }

    static Body json(TypeReference<?> type) {
      return new Body("application/json", type.getType());
    }

    static Body text(String mediaType) {
      return new Body(mediaType, null);
    }
  }
}
