package io.vtdsim.driver.dma;

/**
 * pfn → non-zero value, open addressing with linear probing over two long arrays (no boxing: a million
 * live IOVA ranges cost 32 MB rather than ~80 MB in a HashMap). Key 0 marks an empty slot, so pfn 0 —
 * which the allocator never hands out — cannot be stored.
 */
final class PfnMap {
  private long[] keys = new long[64];
  private long[] values = new long[64];
  private int size;

  /** The value stored for {@code pfn}, or 0. */
  long get(long pfn) {
    int mask = keys.length - 1;
    for (int i = slot(pfn, mask); ; i = (i + 1) & mask) {
      long k = keys[i];
      if (k == pfn) return values[i];
      if (k == 0) return 0;
    }
  }

  void put(long pfn, long value) {
    if (pfn == 0 || value == 0) throw new IllegalArgumentException("pfn and value must be non-zero");
    int mask = keys.length - 1;
    int i = slot(pfn, mask);
    while (keys[i] != 0 && keys[i] != pfn) i = (i + 1) & mask;
    if (keys[i] == 0) {
      keys[i] = pfn;
      size++;
    }
    values[i] = value;
    if (size * 4L > keys.length * 3L) rehash(keys.length * 2);
  }

  /** Removes {@code pfn}; returns its value, or 0 if it was absent. */
  long remove(long pfn) {
    int mask = keys.length - 1;
    int i = slot(pfn, mask);
    while (keys[i] != pfn) {
      if (keys[i] == 0) return 0;
      i = (i + 1) & mask;
    }
    long old = values[i];
    // backward-shift deletion: move later entries of the probe run into the hole
    int hole = i;
    for (int j = (hole + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
      int home = slot(keys[j], mask);
      boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        keys[hole] = keys[j];
        values[hole] = values[j];
        hole = j;
      }
    }
    keys[hole] = 0;
    values[hole] = 0;
    size--;
    return old;
  }

  int size() {
    return size;
  }

  private static int slot(long pfn, int mask) {
    long h = pfn * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private void rehash(int capacity) {
    long[] oldKeys = keys;
    long[] oldValues = values;
    keys = new long[capacity];
    values = new long[capacity];
    int mask = capacity - 1;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] == 0) continue;
      int j = slot(oldKeys[i], mask);
      while (keys[j] != 0) j = (j + 1) & mask;
      keys[j] = oldKeys[i];
      values[j] = oldValues[i];
    }
  }
}
