package io.vtdsim.emu.vtd;

import io.vtdsim.emu.spec.ContextEntry;

/**
 * The context cache (VT-d spec 6.2.1): decoded, valid context entries tagged by source-id, filled
 * on lookup, bounded with least-recently-used eviction. Indexed directly by bus and devfn so a hit
 * allocates nothing; a bus's 256 slots are allocated when it first caches an entry (a new unit holds
 * a few KiB, not 65,536 slots). Not thread-safe: the {@link Translator} guards it.
 */
final class ContextCache {
  private static final int SIDS = 1 << 16;

  private final int capacity;
  /** Per bus (source-id bits 15:8), null until the bus caches an entry: the entry per devfn. */
  private final ContextEntry[][] entries = new ContextEntry[256][];
  private final long[][] lastUse = new long[256][];
  /** Source-ids currently cached, in no particular order (first {@code size} slots; grows). */
  private int[] members = new int[16];
  private int size;
  private long tick;

  ContextCache(int capacity) {
    this.capacity = Math.min(capacity, SIDS);
  }

  int size() {
    return size;
  }

  ContextEntry get(int sid) {
    ContextEntry[] bus = entries[sid >>> 8];
    if (bus == null) return null;
    ContextEntry e = bus[sid & 0xFF];
    if (e != null) lastUse[sid >>> 8][sid & 0xFF] = ++tick;
    return e;
  }

  /** Caches {@code entry} for {@code sid}, evicting the least recently used entry when full. */
  void put(int sid, ContextEntry entry) {
    int b = sid >>> 8;
    if (entries[b] == null) {
      entries[b] = new ContextEntry[256];
      lastUse[b] = new long[256];
    }
    if (entries[b][sid & 0xFF] == null) {
      if (size == capacity) evictLeastRecentlyUsed();
      if (size == members.length) members = java.util.Arrays.copyOf(members, Math.min(capacity, size * 2));
      members[size++] = sid;
    }
    entries[b][sid & 0xFF] = entry;
    lastUse[b][sid & 0xFF] = ++tick;
  }

  private ContextEntry entry(int sid) {
    return entries[sid >>> 8][sid & 0xFF];
  }

  private long lastUse(int sid) {
    return lastUse[sid >>> 8][sid & 0xFF];
  }

  int clear() {
    int n = size;
    for (int i = 0; i < size; i++) entries[members[i] >>> 8][members[i] & 0xFF] = null;
    size = 0;
    return n;
  }

  int removeDomain(int did) {
    int removed = 0;
    for (int i = size - 1; i >= 0; i--) {
      if (entry(members[i]).did() == did) {
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
      if (lastUse(members[i]) < lastUse(members[victim])) victim = i;
    }
    removeAt(victim);
  }

  private void removeAt(int i) {
    entries[members[i] >>> 8][members[i] & 0xFF] = null;
    members[i] = members[--size];
  }
}
