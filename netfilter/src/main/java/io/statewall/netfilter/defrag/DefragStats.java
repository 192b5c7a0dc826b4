package io.statewall.netfilter.defrag;

/**
 * Counters of the {@link Defragmenter} (Linux's ReasmReqds, ReasmOKs, ReasmFails, ReasmOverlaps).
 *
 * @param fragments fragments offered
 * @param reassembled datagrams completed
 * @param dropped fragments dropped (overlap, bad length, tiny first fragment, memory full...)
 * @param overlaps datagrams dropped for overlapping fragments
 * @param timedOut datagrams that did not complete in time
 * @param heldBytes bytes held now
 * @param heldDatagrams incomplete datagrams held now
 */
public record DefragStats(long fragments, long reassembled, long dropped, long overlaps,
    long timedOut, long heldBytes, int heldDatagrams) {}
