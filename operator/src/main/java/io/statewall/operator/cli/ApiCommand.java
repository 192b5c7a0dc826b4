package io.statewall.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A subcommand that asks a running controller's API: the shared options, and one-line errors
 * ("statewall: no controller answers at ...") with exit code 1.
 */
abstract class ApiCommand implements Callable<Integer> {
  @Mixin
  ApiOptions api;

  @Spec
  CommandSpec spec;

  @Override
  public final Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try {
      int code = run(api.client(), out);
      out.flush();
      return code;
    } catch (ApiClient.Failure e) {
      out.flush();
      PrintWriter err = spec.commandLine().getErr();
      err.println("statewall: " + e.getMessage());
      err.flush();
      return 1;
    }
  }

  abstract int run(ApiClient client, PrintWriter out) throws ApiClient.Failure;

  static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? "-" : v.asText();
  }
}
