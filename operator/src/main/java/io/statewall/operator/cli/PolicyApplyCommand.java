package io.statewall.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.statewall.netfilter.policy.PolicyException;
import io.statewall.netfilter.policy.PolicyFiles;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.netfilter.rules.TextFile;
import io.statewall.operator.api.Views.PolicyRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code statewall policy apply FILE [--dry-run]}: replaces the running policy atomically, or says
 * what that would cut. The CLI reads FILE and the rule files it names and sends their content (the
 * controller reads no path given over the API). A policy that does not load changes nothing and
 * exits 1 with its file, line and column, and the line at fault as read here.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
    description = "Apply a policy to the running controller (read here, FILE and its rule files, and sent).")
public final class PolicyApplyCommand extends ApiCommand {
  @Parameters(paramLabel = "FILE", description = "the policy (YAML)")
  Path file;

  @Option(names = "--dry-run", description = "Only report which connections and entries the policy would cut.")
  boolean dryRun;

  /** What is sent: the policy's text and its rule files by the names it gives them. */
  static PolicyRequest request(Path file) throws ApiClient.Failure {
    Path abs = file.toAbsolutePath().normalize();
    if (!Files.isRegularFile(abs)) {
      throw new ApiClient.Failure(file + ": no such file", null);
    }
    String text;
    try {
      text = TextFile.read(abs);
    } catch (IOException e) {
      throw new ApiClient.Failure(file + ": " + e.getMessage(), null);
    }
    // a local load finds the rule files the policy names, as the controller will look for them
    Map<String, String> files = new LinkedHashMap<>();
    PolicyFiles disk = PolicyFiles.nextTo(abs);
    IOException[] unreadable = new IOException[1];
    PolicyFiles recording = new PolicyFiles() {
      @Override
      public String label(String name) {
        return disk.label(name);
      }

      @Override
      public String read(String name) throws IOException {
        try {
          String t = disk.read(name);
          files.put(name, t);
          return t;
        } catch (IOException e) {
          unreadable[0] = e;
          throw e;
        }
      }
    };
    try {
      new PolicyLoader().parse(abs.toString(), text, recording);
    } catch (PolicyException e) {
      if (unreadable[0] != null) {
        throw new ApiClient.Failure(e.getMessage() + " (nothing sent)", null);
      }
      // any other error is the controller's to report, in the same words as for its own policy
    }
    return new PolicyRequest(abs.toString(), text, files);
  }

  @Override
  int run(ApiClient client, PrintWriter out) throws ApiClient.Failure {
    PolicyRequest req = request(file);
    PrintWriter err = spec.commandLine().getErr();
    JsonNode r;
    try {
      r = client.put("/api/v1/policy", Map.of("dry-run", String.valueOf(dryRun)), req);
    } catch (ApiClient.Failure e) {
      // a policy error names its file, line and column: show that line from the text sent
      if (e.body != null && e.body.hasNonNull("file") && e.body.path("line").asInt() > 0) {
        String f = e.body.get("file").asText();
        String text = f.equals(req.name()) ? req.policy() : req.files().get(f);
        if (text != null) {
          String[] lines = text.split("\n", -1);
          int line = e.body.get("line").asInt();
          if (line <= lines.length) {
            err.println("  " + lines[line - 1]);
            err.println("  " + " ".repeat(Math.max(0, e.body.path("column").asInt() - 1)) + "^");
            err.flush();
          }
        }
      }
      throw new ApiClient.Failure(e.getMessage() + " (nothing changed)", e.body);
    }
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
