package io.statewall.operator.api;

import io.statewall.operator.api.Route.Body;
import io.statewall.operator.api.Views.ErrorView;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The OpenAPI 3.1 description of the routes the server serves, built from its route list, with the
 * schemas of the wire types each route reads and answers ({@link WireSchemas}).
 */
final class OpenApiDocument {
  private OpenApiDocument() {}

  /** {@code events}: the wire types of the live streams' events, named in the document beside the routes'. */
  static Map<String, Object> of(List<Route> routes, List<Type> events, String version) {
    WireSchemas schemas = new WireSchemas();
    Map<String, Object> error = content(Body.json(ErrorView.class), schemas);
    Map<String, Object> paths = new LinkedHashMap<>();
    for (Route r : routes) {
      @SuppressWarnings("unchecked")
      Map<String, Object> item = (Map<String, Object>) paths.computeIfAbsent(r.path(), k -> new LinkedHashMap<>());
      Map<String, Object> op = new LinkedHashMap<>();
      op.put("summary", r.summary());
      op.put("operationId", r.method().name().toLowerCase(Locale.ROOT) + r.path().replaceAll("[^A-Za-z0-9]+", "_"));
      op.put("parameters", new TreeSet<>(r.params()).stream()
          .map(p -> Map.of("name", p, "in", "query", "required", false, "schema", Map.of("type", "string")))
          .toList());
      if (r.request() != null) {
        op.put("requestBody", Map.of("required", true, "content", content(r.request(), schemas)));
      }
      Map<String, Object> responses = new LinkedHashMap<>();
      responses.put("200", Map.of("description", "OK", "content", content(r.response(), schemas)));
      if (r.path().equals(ApiServer.HEALTH)) {
        // unhealthy is an answer too, in the same shape
        responses.put("503", Map.of("description", "a periodic task died or is overdue",
            "content", content(r.response(), schemas)));
      }
      responses.put("400", Map.of("description", "bad request: a JSON error saying what is wrong", "content", error));
      responses.put("401", Map.of("description", "missing or wrong bearer token", "content", error));
      responses.put("default", Map.of("description", "any other refusal (403, 404, 406, 413, 503, ...)",
          "content", error));
      op.put("responses", responses);
      item.put(r.method().name().toLowerCase(Locale.ROOT), op);
    }
    events.forEach(schemas::of);
    Map<String, Object> components = new LinkedHashMap<>();
    components.put("schemas", schemas.components());
    components.put("securitySchemes", Map.of("bearer", Map.of("type", "http", "scheme", "bearer")));
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.1.0");
    doc.put("info", Map.of("title", "statewall operator API", "version", version));
    doc.put("paths", paths);
    doc.put("components", components);
    doc.put("security", List.of(Map.of("bearer", List.of())));
    return doc;
  }

  private static Map<String, Object> content(Body body, WireSchemas schemas) {
    Map<String, Object> schema = body.type() == null ? Map.of("type", "string") : schemas.of(body.type());
    return Map.of(body.mediaType(), Map.of("schema", schema));
  }
}
