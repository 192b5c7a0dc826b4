package io.statewall.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON schemas (OpenAPI 3.1, so JSON Schema 2020-12) made from the wire types themselves: each
 * record a named object schema with one property per component, as Jackson writes it. A primitive
 * is required and never null; a reference may be null, and in a record that leaves nulls out
 * ({@code @JsonInclude(NON_NULL)}) it is optional instead. A generic record is named after its
 * arguments ({@code Page<ConnectionView>}: {@code PageOfConnectionView}).
 */
final class WireSchemas {
  private final Map<String, Object> named = new TreeMap<>();
  /** Which type each name stands for, so that two types never share one. */
  private final Map<String, String> owners = new LinkedHashMap<>();

  /** The schemas named so far, for the document's {@code components.schemas}. */
  Map<String, Object> components() {
    return named;
  }

  /** The schema of {@code type}: a reference to a named schema for a record, inline for the rest. */
  Map<String, Object> of(Type type) {
    return of(type, Map.of(), false);
  }

  private Map<String, Object> of(Type type, Map<String, Type> bound, boolean nullable) {
    if (type instanceof TypeVariable<?> v) {
      return of(bound.getOrDefault(v.getName(), Object.class), bound, nullable);
    }
    if (type instanceof ParameterizedType p) {
      Class<?> raw = (Class<?>) p.getRawType();
      Type[] args = p.getActualTypeArguments();
      if (Collection.class.isAssignableFrom(raw)) {
        return nullable(Map.of("type", "array", "items", of(args[0], bound, false)), nullable);
      }
      if (Map.class.isAssignableFrom(raw)) {
        return nullable(Map.of("type", "object", "additionalProperties", of(args[1], bound, false)), nullable);
      }
      if (raw.isRecord()) {
        List<Type> resolved = Arrays.stream(args).map(a -> resolve(a, bound)).toList();
        return nullable(record(raw, resolved), nullable);
      }
      throw new IllegalArgumentException("no schema for " + type);
    }
    Class<?> c = (Class<?>) type;
    if (c.isPrimitive()) {
      return Map.of("type", c == boolean.class ? "boolean" : c == double.class || c == float.class ? "number" : "integer");
    }
    if (c == String.class) {
      return nullable(Map.of("type", "string"), nullable);
    }
    if (c == Integer.class || c == Long.class) {
      return nullable(Map.of("type", "integer"), nullable);
    }
    if (c == Double.class) {
      return nullable(Map.of("type", "number"), nullable);
    }
    if (c == Boolean.class) {
      return nullable(Map.of("type", "boolean"), nullable);
    }
    if (c.isEnum()) {
      List<Object> values = new ArrayList<>(Arrays.stream(c.getEnumConstants()).map(Object::toString).toList());
      if (nullable) {
        values.add(null);
      }
      return Map.of("enum", values);
    }
    if (c.isRecord()) {
      return nullable(record(c, List.of()), nullable);
    }
    if (c == Object.class) {
      return Map.of();
    }
    throw new IllegalArgumentException("no schema for " + type);
  }

  private static Type resolve(Type t, Map<String, Type> bound) {
    return t instanceof TypeVariable<?> v ? bound.getOrDefault(v.getName(), Object.class) : t;
  }

  /** A reference to the record's named schema, made on first use. */
  private Map<String, Object> record(Class<?> c, List<Type> args) {
    StringBuilder name = new StringBuilder(c.getSimpleName());
    Map<String, Type> bound = new LinkedHashMap<>();
    TypeVariable<?>[] vars = c.getTypeParameters();
    for (int i = 0; i < vars.length; i++) {
      Type arg = i < args.size() ? args.get(i) : Object.class;
      bound.put(vars[i].getName(), arg);
      name.append(i == 0 ? "Of" : "And").append(simpleName(arg));
    }
    String key = name.toString();
    String owner = c.getName() + args;
    String seen = owners.putIfAbsent(key, owner);
    if (seen != null && !seen.equals(owner)) {
      throw new IllegalStateException("two wire types are named " + key + ": " + seen + " and " + owner);
    }
    if (!named.containsKey(key)) {
      named.put(key, Map.of()); // a record that refers to itself finds its own name
      boolean leavesNullsOut = c.isAnnotationPresent(JsonInclude.class)
          && c.getAnnotation(JsonInclude.class).value() == JsonInclude.Include.NON_NULL;
      Map<String, Object> properties = new LinkedHashMap<>();
      List<String> required = new ArrayList<>();
      for (RecordComponent rc : c.getRecordComponents()) {
        boolean primitive = rc.getType().isPrimitive();
        properties.put(rc.getName(), of(rc.getGenericType(), bound, !primitive && !leavesNullsOut));
        if (primitive || !leavesNullsOut) {
          required.add(rc.getName());
        }
      }
      Map<String, Object> schema = new LinkedHashMap<>();
      schema.put("type", "object");
      schema.put("properties", properties);
      schema.put("required", required);
      schema.put("additionalProperties", false);
      named.put(key, schema);
    }
    return Map.of("$ref", "#/components/schemas/" + key);
  }

  private static String simpleName(Type t) {
    if (t instanceof ParameterizedType p) {
      return ((Class<?>) p.getRawType()).getSimpleName();
    }
    return t instanceof Class<?> c ? c.getSimpleName() : t.getTypeName();
  }

  /** {@code schema}, or null as well. */
  private static Map<String, Object> nullable(Map<String, Object> schema, boolean nullable) {
    if (!nullable) {
      return schema;
    }
    if (schema.containsKey("$ref")) {
      return Map.of("anyOf", List.of(schema, Map.of("type", "null")));
    }
    Map<String, Object> s = new LinkedHashMap<>(schema);
    s.put("type", List.of(schema.get("type"), "null"));
    return s;
  }
}
