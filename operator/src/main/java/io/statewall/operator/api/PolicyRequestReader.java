package io.statewall.operator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.statewall.operator.api.Views.PolicyRequest;
import java.io.IOException;
import java.util.Map;

/**
 * Reads the body of {@code PUT /api/v1/policy} ({@code {"name": ..., "policy": "...yaml...",
 * "files": {"servers.rules": "..."}}}) into a checked {@link PolicyRequest}, or refuses it with a
 * 400 saying what is wrong: the whole of the API's body parsing. Nothing here names a path the
 * controller would read.
 */
final class PolicyRequestReader {
  /** As many rule files as a policy of 100 hosts with rules and rules6 names, and then some. */
  static final int MAX_FILES = 256;
  static final int MAX_NAME = 255;
  static final String DEFAULT_NAME = "policy.yaml";
  static final String SHAPE = "{\"policy\": \"<the policy's YAML>\", \"files\": {\"<rule file name>\": \"<its text>\"}}";

  private final ObjectMapper json = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** The request the body holds; an {@link ApiError} (400) for anything else. */
  PolicyRequest read(byte[] body) {
    PolicyRequest req;
    try {
      req = json.readValue(body, PolicyRequest.class);
    } catch (UnrecognizedPropertyException e) {
      if ("path".equals(e.getPropertyName())) {
        throw ApiError.badRequest("the API takes the policy's content, not a path it would read: " + SHAPE
            + " (statewall policy apply FILE reads the files and sends them)");
      }
      throw ApiError.badRequest("malformed JSON body: unknown field '" + e.getPropertyName()
          + "' (the body is " + SHAPE + ")");
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest("malformed JSON body: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiError.badRequest("unreadable body: " + e.getMessage());
    }
    if (req == null || req.policy() == null) {
      throw ApiError.badRequest("the body must be " + SHAPE);
    }
    String name = req.name() == null ? DEFAULT_NAME : req.name();
    checkName("name", name);
    Map<String, String> files = req.files() == null ? Map.of() : req.files();
    if (files.size() > MAX_FILES) {
      throw ApiError.badRequest("files: at most " + MAX_FILES + " rule files");
    }
    for (Map.Entry<String, String> f : files.entrySet()) {
      checkName("files", f.getKey());
      if (f.getValue() == null) {
        throw ApiError.badRequest("files: '" + f.getKey() + "' has no text (null)");
      }
    }
    return new PolicyRequest(name, req.policy(), Map.copyOf(files));
  }

  /** Names end up in messages and logs: printable, one line, short. */
  private static void checkName(String field, String name) {
    if (name.isEmpty() || name.length() > MAX_NAME || name.chars().anyMatch(c -> c < ' ' || c == 0x7f)) {
      throw ApiError.badRequest(field + ": a name must be 1 to " + MAX_NAME + " characters without control characters");
    }
  }
}
