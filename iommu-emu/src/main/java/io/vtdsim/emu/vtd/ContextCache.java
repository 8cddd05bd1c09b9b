package io.vtdsim.emu.vtd;

import io.vtdsim.emu.spec.ContextEntry;

/**
 * The context cache (VT-d spec 6.2.1): decoded, valid context entries tagged by source-id, filled
 * on lookup, bounded with least-recently-used eviction. Indexed directly by the 16-bit source-id so
 * a hit allocates nothing. Not thread-safe: the {@link Translator} guards it.
 */
final class ContextCache {
  private static final int SIDS = 1 << 16;

  private final int capacity;
  private final ContextEntry[] entries = new ContextEntry[SIDS];
  private final long[] lastUse = new long[SIDS];
  /** Source-ids currently cached, in no particular order (first {@code size} slots). */
  private final int[] members;
  private int size;
  private long tick;

  ContextCache(int capacity) {
    this.capacity = Math.min(capacity, SIDS);
    this.members = new int[this.capacity];
  }

  int size() {
    return size;
  }

  ContextEntry get(int sid) {
    ContextEntry e = entries[sid];
    if (e != null) lastUse[sid] = ++tick;
    return e;
  }

  /** Caches {@code entry} for {@code sid}, evicting the least recently used entry when full. */
  void put(int sid, ContextEntry entry) {
    if (entries[sid] == null) {
      if (size == capacity) evictLeastRecentlyUsed();
      members[size++] = sid;
    }
    entries[sid] = entry;
    lastUse[sid] = ++tick;
  }

  int clear() {
    int n = size;
    for (int i = 0; i < size; i++) entries[members[i]] = null;
    size = 0;
    return n;
  }

  int removeDomain(int did) {
    int removed = 0;
    for (int i = size - 1; i >= 0; i--) {
      if (entries[members[i]].did() == did) {
        removeAt(i);
        removed++;
      }
    }
    return removed;
  }

  /** Drops the entries whose source-id equals {@code sid} outside the bits set in {@code ignoredBits}. */
  int removeSourceIds(int sid, int ignoredBits) {
    int removed = 0;
    for (int i = size - 1; i >= 0; i--) {
      if ((members[i] & ~ignoredBits) == (sid & ~ignoredBits)) {
        removeAt(i);
        removed++;
      }
    }
    return removed;
  }

  private void evictLeastRecentlyUsed() {
    int victim = 0;
    for (int i = 1; i < size; i++) {
      if (lastUse[members[i]] < lastUse[members[victim]]) victim = i;
    }
    removeAt(victim);
  }

  private void removeAt(int i) {
    entries[members[i]] = null;
    members[i] = members[--size];
  }
}
