package io.statewall.operator.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** The OpenAPI 3.0 description of the routes the server serves, built from its route list. */
final class OpenApiDocument {
  private OpenApiDocument() {}

  static Map<String, Object> of(List<Route> routes, String version) {
    Map<String, Object> paths = new LinkedHashMap<>();
    for (Route r : routes) {
      @SuppressWarnings("unchecked")
      Map<String, Object> item = (Map<String, Object>) paths.computeIfAbsent(r.path(), k -> new LinkedHashMap<>());
      Map<String, Object> op = new LinkedHashMap<>();
      op.put("summary", r.summary());
      op.put("parameters", new TreeSet<>(r.params()).stream()
          .map(p -> Map.of("name", p, "in", "query", "required", false, "schema", Map.of("type", "string")))
          .toList());
      if (r.hasBody()) {
        op.put("requestBody", Map.of("required", true, "content", Map.of("application/json", Map.of("schema",
            Map.of("type", "object", "additionalProperties", false, "required", List.of("path"),
                "properties", Map.of("path", Map.of("type", "string",
                    "description", "the policy file (YAML) on the controller's machine")))))));
      }
      Map<String, Object> responses = new LinkedHashMap<>();
      responses.put("200", Map.of("description", "OK"));
      responses.put("400", Map.of("description", "bad request: a JSON error saying what is wrong"));
      responses.put("401", Map.of("description", "missing or wrong bearer token"));
      op.put("responses", responses);
      item.put(r.method().name().toLowerCase(Locale.ROOT), op);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.0.3");
    doc.put("info", Map.of("title", "statewall operator API", "version", version));
    doc.put("paths", paths);
    doc.put("components", Map.of("securitySchemes", Map.of("bearer", Map.of("type", "http", "scheme", "bearer"))));
    doc.put("security", List.of(Map.of("bearer", List.of())));
    return doc;
  }
}
