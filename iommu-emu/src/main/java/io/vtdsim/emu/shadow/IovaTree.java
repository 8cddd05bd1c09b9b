package io.vtdsim.emu.shadow;

import io.vtdsim.emu.util.RangeMap;
import io.vtdsim.emu.util.RangeMap.Range;

/**
 * What one address space has mapped into the host, as QEMU's per-address-space {@code iova_tree}
 * (util/iova-tree.c, DMAMap {iova, translated_addr, size, perm}): lookup finds any overlap, insert
 * assumes none, remove deletes every overlapping entry. One entry per notified slot, never merged.
 * Compact: a {@link RangeMap} (about 25 bytes per entry).
 */
final class IovaTree {
  /** iova → [iova, iova + size) → gpa, tag perm. */
  private final RangeMap map = new RangeMap();

  /** True when an entry with exactly these four fields exists. */
  boolean containsExactly(long iova, long gpa, long size, int perm) {
    return map.containsExactly(iova, gpa, size, perm);
  }

  boolean overlaps(long iova, long size) {
    return map.overlaps(iova, size);
  }

  void removeOverlapping(long iova, long size) {
    Range below = map.lower(iova);
    if (below != null && iova - below.start() < below.length()) map.remove(below.start());
    map.removeStartingIn(iova, iova + size);
  }

  void insert(long iova, long gpa, long size, int perm) {
    map.put(iova, gpa, size, perm);
  }

  void clear() {
    map.clear();
  }

  int size() {
    return map.size();
  }
}
