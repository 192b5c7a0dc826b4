package io.statewall.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code statewall cluster}: the controller cluster as the member asked has applied it (any member
 * answers): members and whether ready, the Raft leader and term, each switch's master and epoch.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true, subcommands = ClusterCommand.Rebalance.class,
    description = "Show the controller cluster a running controller is a member of (any member answers).")
public final class ClusterCommand extends ApiCommand {
  @Override
  int run(ApiClient client, PrintWriter out) throws ApiClient.Failure {
    print(client.get("/api/v1/cluster", Map.of()), out);
    return 0;
  }

  /** {@code statewall cluster rebalance}: every switch to its rendezvous winner, through any member. */
  @Command(name = "rebalance", mixinStandardHelpOptions = true,
      description = "Move every switch to its rendezvous winner among the ready members that reach it, now (the "
          + "Raft leader does so by itself once the switch connections have been quiet for --cluster-balance-after "
          + "seconds); prints the switches moved. Any member takes it.")
  static final class Rebalance extends ApiCommand {
    @Override
    int run(ApiClient client, PrintWriter out) throws ApiClient.Failure {
      JsonNode r = client.post("/api/v1/cluster/rebalance", Map.of());
      int moved = r.path("moved").asInt();
      if (moved == 0) {
        out.println("every switch is at its rendezvous winner already: nothing moved");
        return 0;
      }
      java.util.List<String> dpids = new java.util.ArrayList<>();
      r.path("switches").forEach(s -> dpids.add(s.asText()));
      out.println("moved " + moved + " switch(es) to their rendezvous winner: " + String.join(", ", dpids));
      return 0;
    }
  }

  /** The answer of {@code GET /api/v1/cluster} as text. */
  static void print(JsonNode c, PrintWriter out) {
    if (!c.hasNonNull("member")) {
      out.println("cluster: " + text(c, "cluster") + " (this controller runs on its own)");
      return;
    }
    out.println("cluster      " + text(c, "cluster"));
    out.println("member       " + text(c, "member"));
    out.println("leader       " + text(c, "leader") + " (term " + text(c, "term") + ")");
    out.println("raft log     committed and applied here " + text(c, "commitIndex")
        + (c.hasNonNull("lastAppended") ? ", appended " + text(c, "lastAppended") : ""));
    String policy = c.path("policyGeneration").asLong() == 0 ? "none compiled yet"
        : "generation " + text(c, "policyGeneration");
    out.println("policy       " + policy + (c.hasNonNull("policyError")
        ? "; CANNOT COMPILE the committed policy, so masters nothing: " + text(c, "policyError") : ""));
    out.println("mastership   " + (c.hasNonNull("mastership") ? text(c, "mastership")
        + (text(c, "mastership").equals("network") ? " (every switch to one member)" : " (spread over the members)")
        : "per-switch (no placement committed yet)"));
    out.println("replication  " + (c.hasNonNull("replicationLagSeconds")
        ? "lag " + text(c, "replicationLagSeconds") + " s, queue " + text(c, "replicationQueue") + ", batches sent "
            + text(c, "replicationBatchesSent") + ", lost " + text(c, "replicationBatchesLost") + ", resent "
            + text(c, "replicationBatchesResent") : "lag - (conntrack is not replicated)"));
    out.println();
    // the leader knows how far every member applied the log; a follower only itself
    Table members = new Table("MEMBER", "ADDRESS", "READY", "MASTER OF", "APPLIED");
    for (JsonNode m : c.get("members")) {
      members.row(text(m, "id") + (m.path("self").asBoolean() ? " (this)" : ""), text(m, "address"),
          m.path("ready").asBoolean() ? "yes" : "no", m.path("masterOf").asInt() + " switch(es)",
          m.hasNonNull("applied") ? text(m, "applied") : "-");
    }
    members.print(out);
    out.println();
    if (c.get("switches").isEmpty()) {
      out.println("no switches placed yet");
      return;
    }
    Table switches = new Table("DPID", "MASTER", "EPOCH", "ROLE HERE");
    for (JsonNode s : c.get("switches")) {
      switches.row(text(s, "dpid"), s.hasNonNull("master") ? text(s, "master") : "(none)", text(s, "epoch"),
          text(s, "role"));
    }
    switches.print(out);
  }
}
