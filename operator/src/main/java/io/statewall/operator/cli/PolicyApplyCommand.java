package io.statewall.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.statewall.operator.api.Views.PolicyRequest;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code statewall policy apply FILE [--dry-run]}: replaces the running policy atomically, or says
 * what that would cut. A policy that does not load changes nothing and exits 1 with its line.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
    description = "Apply a policy to the running controller (the controller reads FILE and its rule files).")
public final class PolicyApplyCommand extends ApiCommand {
  @Parameters(paramLabel = "FILE", description = "the policy (YAML)")
  Path file;

  @Option(names = "--dry-run", description = "Only report which connections and entries the policy would cut.")
  boolean dryRun;

  @Override
  int run(ApiClient client, PrintWriter out) throws ApiClient.Failure {
    Path abs = file.toAbsolutePath().normalize();
    if (!Files.isRegularFile(abs)) {
      throw new ApiClient.Failure(file + ": no such file", null);
    }
    JsonNode r;
    try {
      r = client.put("/api/v1/policy", Map.of("dry-run", String.valueOf(dryRun)), new PolicyRequest(abs.toString()));
    } catch (ApiClient.Failure e) {
      // a policy error already names its file, line and column
      throw new ApiClient.Failure(e.getMessage() + " (nothing changed)", e.body);
    }
    PrintWriter err = spec.commandLine().getErr();
    r.get("warnings").forEach(w -> err.println("warning: " + w.asText()));
    err.flush();
    JsonNode cut = r.get("noLongerAccepted");
    JsonNode removed = r.get("entriesRemoved");
    out.println((dryRun ? "dry run: " : "applied: ") + r.get("source").asText());
    out.println((dryRun ? "would no longer accept " : "no longer accepted: ") + cut.size() + " tracked connection(s)");
    for (JsonNode c : cut) {
      out.println("  " + c.get("connection").asText());
      out.println("    " + c.get("direction").asText() + " packets: " + c.get("verdict").asText() + " by "
          + TraceCommand.rule(c.get("rule")));
    }
    out.println((dryRun ? "would remove " : "removed ") + "the switch entries of " + removed.size()
        + " offloaded connection(s)");
    for (JsonNode e : removed) {
      out.println("  cookie " + e.get("cookie").asText() + " (" + e.get("entries").asInt() + " entries) "
          + e.get("connection").asText());
    }
    return 0;
  }
}
