package io.vtdsim.emu.shadow;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.RamRegion;
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
 *
 * <p>A misbehaving guest can not make a walk hang or exhaust memory. Real hardware and QEMU walk
 * whatever the entries point at; this walker does too, with two guards:
 *
 * <ul>
 *   <li><b>loops</b>: an entry whose next-level table is already on the current descent (the table
 *       itself or one of its ancestors) is skipped, with no event;
 *   <li><b>budgets</b>: one walk visits at most {@link #entryBudget()} entries — 512 per 4 KiB page of
 *       guest RAM: every table of a loop-free tree without shared tables lives in its own RAM page, so
 *       only tables reached through several entries (aliases) can exceed it — and emits at most
 *       {@link #mappingBudget()} MAP slots — one per 4 KiB page of guest RAM, i.e. every page mapped
 *       once on average. Reaching either ends the walk at once; {@link Outcome#aborted()} says why.
 * </ul>
 */
final class GuestTableWalker {
  /** Notifier permission bits (QEMU's IOMMU_RO / IOMMU_WO), not VT-d entry bits. */
  static final int PERM_READ = 1;
  static final int PERM_WRITE = 2;

  /** Receives one aligned slot: perm 0 means the slot is not mapped (UNMAP). */
  interface SlotSink {
    void slot(long iova, long gpa, long size, int perm);

    /**
     * {@code count} consecutive unmap slots of {@code size} from {@code iova}, in order: the same as
     * {@code count} calls of {@code slot(…, 0, 0)}. A sink that can tell at once that none of them
     * changes anything (an IOVA tree with nothing in the run) skips the run with one lookup.
     */
    default void unmappedSlots(long iova, long size, int count) {
      for (int i = 0; i < count; i++, iova += size) slot(iova, 0, size, 0);
    }
  }

  private static final VarHandle LE64 =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final GuestMemory memory;
  private final boolean large2m;
  private final boolean large1g;
  private final byte[][] buffers = new byte[6][SecondLevelPte.ENTRIES * SecondLevelPte.SIZE];
  private final long[] reservedTable = new long[6];
  private final long[] reservedLarge = new long[6];
  /** Table addresses on the current descent, by level (loop detection). */
  private final long[] path = new long[6];
  private final long entryBudget;
  private final long mappingBudget;
  private int top;
  private long visited;
  private long maps;
  private String aborted;

  /** What one walk did: entries visited, MAP slots emitted, and why it stopped early (null: it did not). */
  record Outcome(long entries, long mappings, String aborted) {}

  GuestTableWalker(GuestMemory memory, int haw, boolean snoopControl, boolean large2m, boolean large1g) {
    this(memory, haw, snoopControl, large2m, large1g, ramPages(memory) * SecondLevelPte.ENTRIES, ramPages(memory));
  }

  /** With explicit budgets (tests). */
  GuestTableWalker(GuestMemory memory, int haw, boolean snoopControl, boolean large2m, boolean large1g,
      long entryBudget, long mappingBudget) {
    if (entryBudget < 1 || mappingBudget < 1) throw new IllegalArgumentException("walk budgets must be ≥ 1");
    this.memory = memory;
    this.entryBudget = entryBudget;
    this.mappingBudget = mappingBudget;
    this.large2m = large2m;
    this.large1g = large1g;
    for (int level = 1; level <= 5; level++) {
      reservedTable[level] = SecondLevelPte.reservedMask(level, false, haw, snoopControl);
      reservedLarge[level] = SecondLevelPte.reservedMask(level, true, haw, snoopControl);
    }
  }

  private static long ramPages(GuestMemory memory) {
    long bytes = 0;
    for (RamRegion r : memory.regions()) bytes += r.end() - r.base();
    return Math.max(1, bytes / GuestMemory.PAGE_SIZE);
  }

  /** Most entries one walk visits: 512 per 4 KiB page of guest RAM. */
  long entryBudget() {
    return entryBudget;
  }

  /** Most MAP slots one walk emits: one per 4 KiB page of guest RAM. */
  long mappingBudget() {
    return mappingBudget;
  }

  /**
   * Walks [start, end) of the table tree at {@code slptptr} with {@code levels} levels; the caller
   * clamps end to the address-space limit.
   */
  Outcome walk(long slptptr, int levels, long start, long end, boolean unmapInvalidTables, SlotSink sink) {
    run(slptptr, levels, start, end, unmapInvalidTables, sink);
    return new Outcome(visited, maps, aborted);
  }

  /** {@link #walk} without the outcome object: read it from {@link #lastEntries} and {@link #lastAborted}. */
  void run(long slptptr, int levels, long start, long end, boolean unmapInvalidTables, SlotSink sink) {
    visited = 0;
    maps = 0;
    aborted = null;
    top = levels;
    if (start < end && levels >= 1 && levels <= 5) {
      walkLevel(slptptr, levels, start, end, PERM_READ | PERM_WRITE, unmapInvalidTables, sink);
    }
  }

  /** Entries the last walk visited. */
  long lastEntries() {
    return visited;
  }

  /** Why the last walk ended early, or null. */
  String lastAborted() {
    return aborted;
  }

  private void walkLevel(long table, int level, long start, long end, int parentPerm,
      boolean unmapInvalidTables, SlotSink sink) {
    long slotSize = AddressWidth.levelSize(level);
    int first = AddressWidth.levelIndex(start, level);
    int n = AddressWidth.levelIndex(end - 1, level) - first + 1;
    if (visited + n > entryBudget) {
      aborted = "aborted: more than " + entryBudget
          + " entries (512 per guest RAM page; tables reached through many entries)";
      return;
    }
    visited += n;
    path[level] = table;
    byte[] buf = buffers[level];
    if (!memory.tryRead(table + (long) first * SecondLevelPte.SIZE, buf, 0, n * SecondLevelPte.SIZE)) {
      return; // every entry unreadable: skipped, no event (as QEMU)
    }
    if (level == 1) {
      leafTable(buf, n, start & -slotSize, parentPerm, sink);
      return;
    }
    long iova = start & -slotSize;
    // consecutive unmap slots go to the sink as one run (a mostly empty upper table: one call)
    long runIova = 0;
    int run = 0;
    for (int i = 0; i < n; i++, iova += slotSize) {
      long pte = (long) LE64.get(buf, i * SecondLevelPte.SIZE);
      boolean leaf = SecondLevelPte.isSuperpage(pte);
      boolean reserved = reserved(pte, level, leaf);
      int perm = parentPerm & perm(pte);
      if (perm == 0 && !reserved && (leaf || unmapInvalidTables)) {
        if (run++ == 0) runIova = iova;
        continue;
      }
      if (run != 0) {
        sink.unmappedSlots(runIova, slotSize, run);
        run = 0;
      }
      if (reserved || perm == 0) continue; // skipped, no event (as QEMU)
      if (!leaf) {
        long next = SecondLevelPte.addressOf(pte);
        if (onPath(next, level)) continue; // a loop back to this table or an ancestor: skipped, no event
        walkLevel(next, level - 1, Math.max(start, iova), Math.min(end, iova + slotSize), perm,
            unmapInvalidTables, sink);
        if (aborted != null) return;
      } else {
        if (!mapAllowed()) return;
        sink.slot(iova, SecondLevelPte.addressOf(pte), slotSize, perm);
      }
    }
    if (run != 0) sink.unmappedSlots(runIova, slotSize, run);
  }

  /** The 4 KiB level: every entry is a leaf (kept apart so the hot loop compiles the same at any depth). */
  private void leafTable(byte[] buf, int n, long iova, int parentPerm, SlotSink sink) {
    long rsvd = reservedTable[1];
    long runIova = 0;
    int run = 0;
    for (int i = 0; i < n; i++, iova += GuestMemory.PAGE_SIZE) {
      long pte = (long) LE64.get(buf, i * SecondLevelPte.SIZE);
      if ((pte & rsvd) != 0) { // skipped, no event (as QEMU)
        if (run != 0) {
          sink.unmappedSlots(runIova, GuestMemory.PAGE_SIZE, run);
          run = 0;
        }
        continue;
      }
      int perm = parentPerm & perm(pte);
      if (perm == 0) {
        if (run++ == 0) runIova = iova;
        continue;
      }
      if (run != 0) {
        sink.unmappedSlots(runIova, GuestMemory.PAGE_SIZE, run);
        run = 0;
      }
      if (!mapAllowed()) return;
      sink.slot(iova, SecondLevelPte.addressOf(pte), GuestMemory.PAGE_SIZE, perm);
    }
    if (run != 0) sink.unmappedSlots(runIova, GuestMemory.PAGE_SIZE, run);
  }

  /** Counts one MAP slot, or ends the walk when the mapping budget is spent. */
  private boolean mapAllowed() {
    if (maps >= mappingBudget) {
      aborted = "aborted: more than " + mappingBudget + " mappings (one per guest RAM page)";
      return false;
    }
    maps++;
    return true;
  }

  /** True when {@code table} is the table at {@code level} or one of its ancestors on this descent. */
  private boolean onPath(long table, int level) {
    for (int l = level; l <= top; l++) {
      if (path[l] == table) return true;
    }
    return false;
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
