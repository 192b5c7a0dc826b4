package io.statewall.operator.cli;

import io.statewall.operator.api.ApiTokenFile;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options every API-talking subcommand shares: which controller, and its token. */
public final class ApiOptions {
  @Option(names = "--api", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
      description = "The controller's API (default: ${DEFAULT-VALUE}); https://HOST:PORT when it serves HTTPS.")
  String api;

  @Option(names = "--api-token-file", paramLabel = "FILE",
      description = "File with the API's bearer token (default: the controller's, $STATEWALL_API_TOKEN_FILE, else "
          + "/var/lib/statewall/api-token as root, ~/.statewall/api-token otherwise).")
  Path tokenFile;

  ApiClient client() throws ApiClient.Failure {
    Path file = tokenFile != null ? tokenFile : ApiTokenFile.defaultPath();
    Optional<String> token;
    try {
      token = Optional.of(ApiTokenFile.read(file));
    } catch (NoSuchFileException e) {
      if (tokenFile != null) {
        throw new ApiClient.Failure("cannot read --api-token-file " + file + ": no such file", null);
      }
      // the controller may run as another user, or elsewhere: it will say 401 with what to do
      token = Optional.empty();
    } catch (IOException e) {
      throw new ApiClient.Failure("cannot read the API token: " + e.getMessage(), null);
    }
    return new ApiClient(api, token, file);
  }
}
