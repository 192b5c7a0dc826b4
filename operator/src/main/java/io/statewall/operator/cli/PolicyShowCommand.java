package io.statewall.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code statewall policy show}: the running policy, each rule set as iptables-save prints it, with its file. */
@Command(name = "show", mixinStandardHelpOptions = true,
    description = "Print the running controller's policy in iptables-save form, with its source files.")
public final class PolicyShowCommand extends ApiCommand {
  @Override
  int run(ApiClient client, PrintWriter out) throws ApiClient.Failure {
    JsonNode p = client.get("/api/v1/policy", Map.of());
    out.println("# policy: " + p.get("source").asText());
    out.print(p.get("text").asText());
    return 0;
  }
}
