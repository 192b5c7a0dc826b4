package io.statewall.netfilter.conntrack;

/**
 * Counters as {@code conntrack -S} names them, plus the current table sizes.
 *
 * @param found packets that matched a tracked connection
 * @param created connections confirmed into the table ("insert")
 * @param invalid packets given INVALID
 * @param ignore packets accepted without a state change (TCP IGNORE)
 * @param insertFailed confirmations refused (table full after all)
 * @param drop packets dropped because the table was full and nothing could be early-dropped
 * @param earlyDrop unassured connections evicted to make room
 * @param expectCreate expectations created by helpers
 * @param expectDelete expectations removed (consumed, replaced, expired, master gone)
 * @param helperDrop packets a helper dropped
 * @param entries connections in the table now
 * @param expectations expectations pending now
 * @param offloadedOutOfWindow RST/FIN packets of offloaded connections dropped for a sequence number
 *     their sender cannot have reached (also counted in {@code invalid}; not in Linux)
 */
public record CtStats(long found, long created, long invalid, long ignore, long insertFailed,
    long drop, long earlyDrop, long expectCreate, long expectDelete, long helperDrop,
    int entries, int expectations, long offloadedOutOfWindow) {}
