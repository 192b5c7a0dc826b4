package io.statewall.firewall.forwarding;

import io.statewall.topology.Attachment;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The short drop entries in the switches now, by the match they drop, so that one can be taken out
 * before its hard timeout when the other direction opens a connection. Bounded: past the limit the
 * expired ones go, and if none has expired a new entry is not remembered (it then lives its few
 * seconds, as before).
 */
final class DropEntries {
  static final int LIMIT = 65_536;

  private record Entry(Attachment at, long expiresNanos) {}

  private final Map<ExactMatch, Entry> entries = new ConcurrentHashMap<>();

  void record(ExactMatch match, Attachment at, int seconds) {
    long now = System.nanoTime();
    if (entries.size() >= LIMIT) {
      for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
        if (it.next().expiresNanos - now <= 0) {
          it.remove();
        }
      }
      if (entries.size() >= LIMIT) {
        return;
      }
    }
    entries.put(match, new Entry(at, now + seconds * 1_000_000_000L));
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /** Where the drop entry for {@code match} is, if it may still be in its switch; forgets it. */
  Optional<Attachment> take(ExactMatch match) {
    Entry e = entries.remove(match);
    return e == null || e.expiresNanos - System.nanoTime() <= 0 ? Optional.empty() : Optional.of(e.at);
  }
}
