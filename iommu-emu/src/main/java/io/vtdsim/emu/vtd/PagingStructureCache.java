package io.vtdsim.emu.vtd;

/**
 * The paging-structure caches (VT-d spec 6.2.4): non-leaf second-level entries — PML5E (level 5),
 * PML4E (4), PDPE (3) and PDE (2) — each tagged by the DID and the IOVA bits that select it (the
 * bits above the entry's span: 47:39 and up for a PML4E, 47:21 and up for a PDE), holding the
 * address of the next table and the R/W accumulated from the top of the walk down to that entry.
 * One table serves the four caches: the level is part of the tag. An entry at level L is used by
 * any translation of an IOVA in its {@code 2^(12 + 9(L-1))}-byte span, which is also what a
 * page-selective invalidation matches (spec 6.5.2.3).
 *
 * <p>Bounded and cleared when full, as the {@link Iotlb} (the spec leaves the replacement policy
 * to the implementation). Not thread-safe: the {@link Translator} guards it.
 */
final class PagingStructureCache extends PageTaggedCache {
  PagingStructureCache(int capacity) {
    super(capacity);
  }

  /** Slot of the cached entry of {@code did} at {@code level} on the path of {@code iova}, or -1. */
  int find(int did, int level, long iova) {
    return find(key(did, pageNumber(iova, level), level));
  }

  /** Address of the table the entry in {@code slot} points to (level - 1). */
  long nextTable(int slot) {
    return address(slot);
  }

  /**
   * Caches the non-leaf entry of {@code did} at {@code level} on the path of {@code iova}.
   *
   * @param read R accumulated from the top level down to this entry
   * @param write W accumulated likewise
   */
  void put(int did, int level, long iova, long nextTable, boolean read, boolean write) {
    put(key(did, pageNumber(iova, level), level), did, nextTable, read, write);
  }
}
