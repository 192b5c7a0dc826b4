package io.statewall.cluster.replication;

/** A follower missed {@code owner}'s batches {@code from}..{@code to} (inclusive) and asks for them again. */
public record ResendRequest(String owner, String requester, long from, long to) {}
