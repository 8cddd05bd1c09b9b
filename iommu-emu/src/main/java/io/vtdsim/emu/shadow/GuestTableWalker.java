package io.vtdsim.emu.shadow;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.SecondLevelPte;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The shadow's own range walk over guest second-level tables, as QEMU's {@code vtd_page_walk_level}
 * (not the translation path: no IOTLB, no faults). For every slot of the current level that
 * overlaps [start, end):
 *
 * <ul>
 *   <li>an unreadable entry, or one with reserved bits set (SecondLevelPte.reservedMask, PS at a
 *       level without large-page support), is skipped with no event;
 *   <li>R and W are ANDed with the parent's; a valid non-leaf entry recurses into slot ∩ range;
 *   <li>otherwise exactly one slot event covers the whole aligned slot (possibly below start): perm
 *       R/W and the entry's address for a valid leaf, perm 0 (unmap) for an invalid entry.
 * </ul>
 *
 * Before QEMU 36d2d52bdb (2018) an invalid <em>non-leaf</em> entry was skipped instead of unmapped;
 * {@code unmapInvalidTables = false} reproduces that.
 *
 * <p>Cost is linear in the entries of the tables that exist: a table is read once per visit (only
 * the slots in range), and a not-present upper-level slot is one event, never a descent.
 */
final class GuestTableWalker {
  /** Notifier permission bits (QEMU's IOMMU_RO / IOMMU_WO), not VT-d entry bits. */
  static final int PERM_READ = 1;
  static final int PERM_WRITE = 2;

  /** Receives one aligned slot: perm 0 means the slot is not mapped (UNMAP). */
  interface SlotSink {
    void slot(long iova, long size, long gpa, int perm);
  }

  private static final VarHandle LE64 =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final GuestMemory memory;
  private final boolean large2m;
  private final boolean large1g;
  private final byte[][] buffers = new byte[6][SecondLevelPte.ENTRIES * SecondLevelPte.SIZE];
  private final long[] reservedTable = new long[6];
  private final long[] reservedLarge = new long[6];
  private long visited;

  GuestTableWalker(GuestMemory memory, int haw, boolean snoopControl, boolean large2m, boolean large1g) {
    this.memory = memory;
    this.large2m = large2m;
    this.large1g = large1g;
    for (int level = 1; level <= 5; level++) {
      reservedTable[level] = SecondLevelPte.reservedMask(level, false, haw, snoopControl);
      reservedLarge[level] = SecondLevelPte.reservedMask(level, true, haw, snoopControl);
    }
  }

  /**
   * Walks [start, end) of the table tree at {@code slptptr} with {@code levels} levels; the caller
   * clamps end to the address-space limit. Returns the number of entries visited.
   */
  long walk(long slptptr, int levels, long start, long end, boolean unmapInvalidTables, SlotSink sink) {
    visited = 0;
    if (start < end && levels >= 1 && levels <= 5) {
      walkLevel(slptptr, levels, start, end, PERM_READ | PERM_WRITE, unmapInvalidTables, sink);
    }
    return visited;
  }

  private void walkLevel(long table, int level, long start, long end, int parentPerm,
      boolean unmapInvalidTables, SlotSink sink) {
    long slotSize = AddressWidth.levelSize(level);
    int first = AddressWidth.levelIndex(start, level);
    int n = AddressWidth.levelIndex(end - 1, level) - first + 1;
    visited += n;
    byte[] buf = buffers[level];
    if (!memory.tryRead(table + (long) first * SecondLevelPte.SIZE, buf, 0, n * SecondLevelPte.SIZE)) {
      return; // every entry unreadable: skipped, no event (as QEMU)
    }
    if (level == 1) {
      leafTable(buf, n, start & -slotSize, parentPerm, sink);
      return;
    }
    long iova = start & -slotSize;
    for (int i = 0; i < n; i++, iova += slotSize) {
      long pte = (long) LE64.get(buf, i * SecondLevelPte.SIZE);
      boolean leaf = SecondLevelPte.isSuperpage(pte);
      if (reserved(pte, level, leaf)) continue; // skipped, no event (as QEMU)
      int perm = parentPerm & perm(pte);
      if (!leaf && perm != 0) {
        walkLevel(SecondLevelPte.addressOf(pte), level - 1, Math.max(start, iova),
            Math.min(end, iova + slotSize), perm, unmapInvalidTables, sink);
      } else if (perm != 0) {
        sink.slot(iova, slotSize, SecondLevelPte.addressOf(pte), perm);
      } else if (leaf || unmapInvalidTables) {
        sink.slot(iova, slotSize, 0, 0);
      }
    }
  }

  /** The 4 KiB level: every entry is a leaf (kept apart so the hot loop compiles the same at any depth). */
  private void leafTable(byte[] buf, int n, long iova, int parentPerm, SlotSink sink) {
    long rsvd = reservedTable[1];
    for (int i = 0; i < n; i++, iova += GuestMemory.PAGE_SIZE) {
      long pte = (long) LE64.get(buf, i * SecondLevelPte.SIZE);
      if ((pte & rsvd) != 0) continue; // skipped, no event (as QEMU)
      int perm = parentPerm & perm(pte);
      sink.slot(iova, GuestMemory.PAGE_SIZE, perm != 0 ? SecondLevelPte.addressOf(pte) : 0, perm);
    }
  }

  private static int perm(long pte) {
    return ((pte & SecondLevelPte.R) != 0 ? PERM_READ : 0) | ((pte & SecondLevelPte.W) != 0 ? PERM_WRITE : 0);
  }

  private boolean reserved(long pte, int level, boolean leaf) {
    boolean large = leaf && level > 1;
    return (pte & (large ? reservedLarge[level] : reservedTable[level])) != 0
        // PS where the unit reports no large pages of that size is reserved (VT-d spec 9.8)
        || (large && ((level == 2 && !large2m) || (level == 3 && !large1g)));
  }
}
