package io.vtdsim.emu.shadow;

import java.util.Map;
import java.util.TreeMap;

/**
 * What one address space has mapped into the host, as QEMU's per-address-space {@code iova_tree}
 * (util/iova-tree.c, DMAMap {iova, translated_addr, size, perm}): lookup finds any overlap, insert
 * assumes none, remove deletes every overlapping entry. Compact: one {@code long[2]} per mapping.
 */
final class IovaTree {
  /** iova → {size, gpa | perm}; gpa is 4 KiB aligned so the perm bits fit below it. */
  private final TreeMap<Long, long[]> map = new TreeMap<>();

  /** True when an entry with exactly these four fields exists. */
  boolean containsExactly(long iova, long size, long gpa, int perm) {
    long[] v = map.get(iova);
    return v != null && v[0] == size && v[1] == (gpa | perm);
  }

  boolean overlaps(long iova, long size) {
    Map.Entry<Long, long[]> below = map.floorEntry(iova);
    if (below != null && iova - below.getKey() < below.getValue()[0]) return true;
    Long above = map.higherKey(iova);
    return above != null && above - iova < size;
  }

  void removeOverlapping(long iova, long size) {
    Map.Entry<Long, long[]> below = map.lowerEntry(iova);
    if (below != null && iova - below.getKey() < below.getValue()[0]) map.remove(below.getKey());
    map.subMap(iova, true, iova + size, false).clear();
  }

  void insert(long iova, long size, long gpa, int perm) {
    map.put(iova, new long[] {size, gpa | perm});
  }

  void clear() {
    map.clear();
  }

  int size() {
    return map.size();
  }
}
