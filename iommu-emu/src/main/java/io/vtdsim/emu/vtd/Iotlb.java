package io.vtdsim.emu.vtd;

/**
 * The IOTLB (VT-d spec 6.2.3): leaf translations tagged by (DID, page number, level) — or by
 * source-id instead of DID, as QEMU ({@link UnitBehaviour#iotlbTaggedBySourceId}) — plus — with
 * caching mode and negative caching on — not-present results for one 4 KiB page (spec 6.1: with
 * CM=1 not-present and erroneous entries may be cached). Bounded and cleared when full, as QEMU
 * (see {@link PageTaggedCache}). Not thread-safe: the {@link Translator} guards it.
 */
final class Iotlb extends PageTaggedCache {
  /** Level tag of a negative (not-present) entry: one 4 KiB page. */
  static final int NEGATIVE = 0;

  Iotlb(int capacity) {
    super(capacity);
  }

  /** Output address of the page cached in {@code slot}. */
  long leaf(int slot) {
    return address(slot);
  }
}
