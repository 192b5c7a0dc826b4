package io.statewall.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code statewall cluster}'s text from the answers of {@code GET /api/v1/cluster}. */
class ClusterCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String print(String json) throws Exception {
    StringWriter out = new StringWriter();
    PrintWriter w = new PrintWriter(out);
    ClusterCommand.print(JSON.readTree(json), w);
    w.flush();
    return out.toString();
  }

  @Test
  void aControllerOnItsOwn() throws Exception {
    assertThat(print("""
        {"cluster": "none", "member": null, "leader": null, "term": null, "commitIndex": null, "lastApplied": null,
         "members": [], "switches": [], "policyGeneration": null, "policyError": null, "replicationLagSeconds": null}
        """)).isEqualTo("cluster: none (this controller runs on its own)\n");
  }

  @Test
  void aMemberShowsTheLeaderTheMembersAndEachSwitchsMasterAndEpoch() throws Exception {
    assertThat(print("""
        {"cluster": "prod", "member": "B", "leader": "A", "term": 3, "commitIndex": 12, "lastApplied": 12,
         "lastAppended": 13,
         "members": [
           {"id": "A", "address": "127.0.0.1:47800", "self": false, "ready": true, "masterOf": 1, "applied": null},
           {"id": "B", "address": "127.0.0.1:47801", "self": true, "ready": true, "masterOf": 1, "applied": 12},
           {"id": "C", "address": "127.0.0.1:47802", "self": false, "ready": false, "masterOf": 0}],
         "switches": [
           {"dpid": "0000000000000001", "master": "A", "epoch": 1, "role": "SLAVE"},
           {"dpid": "0000000000000002", "master": "B", "epoch": 4, "role": "MASTER"},
           {"dpid": "0000000000000003", "master": null, "epoch": 2, "role": "SLAVE"}],
         "policyGeneration": 2, "policyError": null, "replicationLagSeconds": 0.004, "replicationQueue": 3,
         "replicationBatchesSent": 17, "replicationBatchesLost": 1, "replicationBatchesResent": 0,
         "mastership": "network"}
        """)).isEqualTo("""
        cluster      prod
        member       B
        leader       A (term 3)
        raft log     committed and applied here 12, appended 13
        policy       generation 2
        mastership   network (every switch to one member)
        replication  lag 0.004 s, queue 3, batches sent 17, lost 1, resent 0

        MEMBER    ADDRESS          READY  MASTER OF     APPLIED
        A         127.0.0.1:47800  yes    1 switch(es)  -
        B (this)  127.0.0.1:47801  yes    1 switch(es)  12
        C         127.0.0.1:47802  no     0 switch(es)  -

        DPID              MASTER  EPOCH  ROLE HERE
        0000000000000001  A       1      SLAVE
        0000000000000002  B       4      MASTER
        0000000000000003  (none)  2      SLAVE
        """);
  }

  @Test
  void aMemberThatCannotCompileThePolicySaysSo() throws Exception {
    String out = print("""
        {"cluster": "prod", "member": "C", "leader": null, "term": 0, "commitIndex": 0, "lastApplied": 0,
         "members": [{"id": "C", "address": "127.0.0.1:47802", "self": true, "ready": false, "masterOf": 0}],
         "switches": [], "policyGeneration": 0, "policyError": "generation 3: p.yaml:1:1: unknown match",
         "replicationLagSeconds": null}
        """);
    assertThat(out).contains("leader       - (term 0)\n")
        .contains("mastership   per-switch (no placement committed yet)\n")
        .contains("policy       none compiled yet; CANNOT COMPILE the committed policy, so masters nothing: "
            + "generation 3: p.yaml:1:1: unknown match\n")
        .endsWith("no switches placed yet\n");
  }
}
