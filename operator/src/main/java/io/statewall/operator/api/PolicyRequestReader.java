package io.statewall.operator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statewall.operator.api.Views.PolicyRequest;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Reads the body of {@code PUT /api/v1/policy} ({@code {"path": "..."}}) into the policy file it
 * names, or refuses it with a 400 saying what is wrong: the whole of the API's body parsing.
 */
final class PolicyRequestReader {
  private final ObjectMapper json = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** The policy file the body names; an {@link ApiError} (400) for anything else. */
  Path read(byte[] body) {
    PolicyRequest req;
    try {
      req = json.readValue(body, PolicyRequest.class);
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest("malformed JSON body: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiError.badRequest("unreadable body: " + e.getMessage());
    }
    if (req == null || req.path() == null || req.path().isBlank()) {
      throw ApiError.badRequest("the body must be {\"path\": \"/path/to/policy.yaml\"}");
    }
    try {
      return Path.of(req.path());
    } catch (InvalidPathException e) {
      throw ApiError.badRequest("path: " + e.getMessage());
    }
  }
}
