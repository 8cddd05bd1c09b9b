package io.vtdsim.emu.vtd;

import io.vtdsim.emu.spec.AddressWidth;

/**
 * The storage shared by the {@link Iotlb} and the {@link PagingStructureCache}: entries tagged by
 * (tag, page number at a level, level) holding a page-aligned address, R/W and the DID the entry
 * was filled under, in an
 * open-addressing hash table of packed {@code long} keys so a hit allocates nothing. An entry at
 * level L spans {@code 2^(12 + 9(L-1))} bytes of IOVA (level 0: 4 KiB), which is what range
 * invalidations match against.
 *
 * <p>Bounded: when an insert finds {@code capacity} entries the whole table is cleared first, as
 * QEMU's IOTLB hash (1024 entries, {@code vtd_reset_iotlb} when full). Not thread-safe: the
 * {@link Translator} guards it.
 *
 * <p>Key layout (64 bits exactly): page number (bits 63:19, at most 45 bits since an IOVA is below
 * 2^57) | tag (18:3) | level (2:0). The tag is the DID (the specification's IOTLB, spec 6.2.3) or
 * the source-id ({@link UnitBehaviour#iotlbTaggedBySourceId}, as QEMU); invalidations select by the
 * entry's DID either way.
 */
abstract sealed class PageTaggedCache permits Iotlb, PagingStructureCache {
  /** Slots a new cache starts with; the table doubles (rehashed) up to {@link #maxSlots} as it fills. */
  private static final int INITIAL_SLOTS = 64;

  private final int capacity;
  private final int maxSlots;
  private int mask;
  private long[] keys;
  private long[] addresses; // output or next-table address (page aligned)
  private byte[] perms; // bit 0 read, bit 1 write
  private char[] domains; // the DID each entry was filled under
  private boolean[] used;
  private int size;
  /** Bit L set while entries of level L may be present (so a range invalidation probes only those). */
  private int levels;
  /** False once an entry was keyed by something other than its DID (a source-id-tagged IOTLB): no probing then. */
  private boolean keyedByDid = true;

  PageTaggedCache(int capacity) {
    this.capacity = capacity;
    // at most half full when holding capacity entries; a new unit starts small (nothing sized up front)
    this.maxSlots = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) << 1;
    allocate(Math.min(maxSlots, INITIAL_SLOTS));
  }

  private void allocate(int slots) {
    mask = slots - 1;
    keys = new long[slots];
    addresses = new long[slots];
    perms = new byte[slots];
    domains = new char[slots];
    used = new boolean[slots];
  }

  /** Doubles the table, re-inserting every entry (which entries are cached does not change). */
  private void grow() {
    long[] k = keys;
    long[] a = addresses;
    byte[] p = perms;
    char[] d = domains;
    boolean[] u = used;
    allocate(k.length * 2);
    for (int j = 0; j < k.length; j++) {
      if (!u[j]) continue;
      int i = slot(k[j]);
      while (used[i]) i = (i + 1) & mask;
      used[i] = true;
      keys[i] = k[j];
      addresses[i] = a[j];
      perms[i] = p[j];
      domains[i] = d[j];
    }
  }

  /** The key of an entry: {@code tag} is the DID or, for a source-id-tagged IOTLB, the source-id. */
  static long key(int tag, long pageNumber, int level) {
    return (pageNumber << 19) | ((long) tag << 3) | level;
  }

  /** Page number of {@code iova} at {@code level} (level 0, a negative entry, uses 4 KiB pages). */
  static long pageNumber(long iova, int level) {
    return iova >>> AddressWidth.levelShift(Math.max(level, 1));
  }

  final int size() {
    return size;
  }

  final int capacity() {
    return capacity;
  }

  /** Slot holding the entry for {@code key}, or -1. */
  final int find(long key) {
    int i = slot(key);
    while (used[i]) {
      if (keys[i] == key) return i;
      i = (i + 1) & mask;
    }
    return -1;
  }

  /** The address stored with the entry in {@code slot}. */
  final long address(int slot) {
    return addresses[slot];
  }

  /** The DID the entry in {@code slot} was filled under. */
  final int domain(int slot) {
    return domains[slot];
  }

  final boolean readable(int slot) {
    return (perms[slot] & 1) != 0;
  }

  final boolean writable(int slot) {
    return (perms[slot] & 2) != 0;
  }

  /**
   * Inserts or replaces an entry; clears the table first when it is full (as QEMU).
   *
   * @param did the domain the entry belongs to (what invalidations select)
   * @return the number of entries dropped to make room (0 or the previous size)
   */
  final int put(long key, int did, long address, boolean read, boolean write) {
    int dropped = 0;
    int existing = find(key);
    if (existing < 0 && size >= capacity) {
      dropped = size;
      clear();
    }
    if (existing < 0 && (size + 1) * 2 > mask + 1 && mask + 1 < maxSlots) grow();
    int i = existing >= 0 ? existing : slot(key);
    if (existing < 0) {
      while (used[i]) i = (i + 1) & mask;
      used[i] = true;
      keys[i] = key;
      size++;
      levels |= 1 << (int) (key & 7);
    }
    if (((key >>> 3) & 0xFFFF) != did) keyedByDid = false;
    addresses[i] = address;
    perms[i] = (byte) ((read ? 1 : 0) | (write ? 2 : 0));
    domains[i] = (char) did;
    return dropped;
  }

  final int clear() {
    int n = size;
    if (n > 0) java.util.Arrays.fill(used, false);
    size = 0;
    levels = 0;
    keyedByDid = true;
    return n;
  }

  /** Drops every entry of {@code did}; returns how many. */
  final int removeDomain(int did) {
    return removeIf(did, 0, -1L);
  }

  /**
   * Drops the entries of {@code did} whose page overlaps [start, end] (inclusive; unsigned).
   * Negative entries cover one 4 KiB page.
   */
  final int removeRange(int did, long start, long end) {
    return removeIf(did, start, end);
  }

  private int removeIf(int did, long start, long end) {
    if (size == 0) return 0;
    // a small range is cheaper to look up key by key, level by level, than to scan every slot
    long probes = 0;
    for (int level = 0; level < 8 && probes <= mask; level++) {
      if ((levels & (1 << level)) == 0) continue;
      int shift = AddressWidth.levelShift(Math.max(level, 1));
      probes += (end >>> shift) - (start >>> shift) + 1;
    }
    // (keys hold 45-bit page numbers: a range reaching 2^57 is scanned, never probed with aliasing keys)
    if (keyedByDid && Long.compareUnsigned(end, 1L << 57) < 0 && probes * 4 <= mask + 1) {
      return removeByProbe(did, start, end);
    }
    int removed = 0;
    int i = 0;
    while (i <= mask) {
      if (used[i] && domains[i] == did && overlaps(keys[i], start, end)) {
        deleteAt(i);
        removed++;
        // backward-shift deletion may have moved another entry into slot i: look at it again
      } else {
        i++;
      }
    }
    return removed;
  }

  /** As the scan, for ranges of few pages: every (DID, page, level) key the range overlaps, probed. */
  private int removeByProbe(int did, long start, long end) {
    int removed = 0;
    for (int level = 0; level < 8; level++) {
      if ((levels & (1 << level)) == 0) continue;
      int shift = AddressWidth.levelShift(Math.max(level, 1));
      for (long pn = start >>> shift, last = end >>> shift; pn <= last; pn++) {
        int i = find(key(did, pn, level));
        if (i >= 0 && domains[i] == did) {
          deleteAt(i);
          removed++;
        }
      }
    }
    return removed;
  }

  private static boolean overlaps(long key, long start, long end) {
    int level = (int) (key & 7);
    int shift = AddressWidth.levelShift(Math.max(level, 1));
    long pageStart = (key >>> 19) << shift;
    long pageEnd = pageStart + ((1L << shift) - 1);
    return Long.compareUnsigned(pageStart, end) <= 0 && Long.compareUnsigned(start, pageEnd) <= 0;
  }

  /** Linear-probing deletion without tombstones (Knuth's algorithm R). */
  private void deleteAt(int hole) {
    used[hole] = false;
    size--;
    int i = (hole + 1) & mask;
    while (used[i]) {
      int home = slot(keys[i]);
      // move i into the hole when its home slot is not cyclically within (hole, i]
      boolean stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
      if (!stays) {
        keys[hole] = keys[i];
        addresses[hole] = addresses[i];
        perms[hole] = perms[i];
        domains[hole] = domains[i];
        used[hole] = true;
        used[i] = false;
        hole = i;
      }
      i = (i + 1) & mask;
    }
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 40) & mask;
  }
}
