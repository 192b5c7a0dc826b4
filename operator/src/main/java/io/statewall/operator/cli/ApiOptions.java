package io.statewall.operator.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options every API-talking subcommand shares: which controller, and its token. */
public final class ApiOptions {
  @Option(names = "--api", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
      description = "The controller's API (default: ${DEFAULT-VALUE}); https://HOST:PORT when it serves HTTPS.")
  String api;

  @Option(names = "--api-token-file", paramLabel = "FILE", description = "File with the API's bearer token.")
  Path tokenFile;

  ApiClient client() throws ApiClient.Failure {
    Optional<String> token = Optional.empty();
    if (tokenFile != null) {
      try {
        token = Optional.of(Files.readString(tokenFile, StandardCharsets.UTF_8).strip());
      } catch (IOException e) {
        throw new ApiClient.Failure("cannot read --api-token-file " + tokenFile + ": " + e.getMessage(), null);
      }
    }
    return new ApiClient(api, token);
  }
}
