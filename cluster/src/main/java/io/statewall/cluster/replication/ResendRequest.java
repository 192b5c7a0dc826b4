package io.statewall.cluster.replication;

/**
 * A follower missed {@code owner}'s batches {@code from}..{@code to} (inclusive) and asks for them again;
 * from and to 0 (no batch has sequence number 0) ask for the owner's whole table, by a reset.
 */
public record ResendRequest(String owner, String requester, long from, long to) {
  /** What a newcomer sends an owner whose whole table it still lacks (the reset its join brought was lost). */
  public static ResendRequest wholeTable(String owner, String requester) {
    return new ResendRequest(owner, requester, 0, 0);
  }

  public boolean isWholeTable() {
    return from == 0 && to == 0;
  }
}
