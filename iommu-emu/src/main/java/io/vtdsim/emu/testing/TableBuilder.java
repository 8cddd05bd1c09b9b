package io.vtdsim.emu.testing;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.RootEntry;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.spec.TranslationType;

/**
 * Builds legacy-mode remapping structures directly in guest memory — root table, context entries,
 * second-level tables — for tests and for hand-written (possibly broken) guest states. Not a driver:
 * it issues no invalidations and touches no registers. Table pages come from a bump allocator
 * starting at {@code poolBase}.
 */
public final class TableBuilder {
  private final GuestMemory mem;
  private long next;
  private final long rootTable;

  public TableBuilder(GuestMemory mem, long poolBase) {
    if ((poolBase & Page.OFFSET_MASK) != 0) throw new IllegalArgumentException("pool base must be 4 KiB aligned");
    this.mem = mem;
    this.next = poolBase;
    this.rootTable = allocPage();
  }

  public GuestMemory memory() {
    return mem;
  }

  /** A fresh zeroed 4 KiB page from the pool. */
  public long allocPage() {
    long p = next;
    next += Page.SIZE;
    mem.zero(p, Page.SIZE);
    return p;
  }

  public long rootTable() {
    return rootTable;
  }

  /** Address of the context table for {@code bus}, creating it (and the present root entry) if needed. */
  public long contextTable(int bus) {
    long re = RootEntry.address(rootTable, bus);
    long lo = mem.read64(re);
    if ((lo & 1) != 0) return RootEntry.decode(lo).contextTablePointer();
    long ct = allocPage();
    mem.write64(re, new RootEntry(true, ct).lo());
    mem.write64(re + 8, 0);
    return ct;
  }

  /** Writes a raw context entry for {@code sid}. */
  public void context(int sid, ContextEntry entry) {
    long a = ContextEntry.address(contextTable(SourceId.bus(sid)), SourceId.devfn(sid));
    mem.write64(a, entry.lo());
    mem.write64(a + 8, entry.hi());
  }

  /** Writes raw context-entry quadwords (for reserved-bit cases). */
  public void contextRaw(int sid, long lo, long hi) {
    long a = ContextEntry.address(contextTable(SourceId.bus(sid)), SourceId.devfn(sid));
    mem.write64(a, lo);
    mem.write64(a + 8, hi);
  }

  /** Clears the context entry of {@code sid}. */
  public void clearContext(int sid) {
    contextRaw(sid, 0, 0);
  }

  /**
   * A present multi-level context entry for {@code sid} with a fresh top-level table.
   *
   * @param agaw AW field: 1 = 3-level 39-bit, 2 = 4-level 48-bit, 3 = 5-level 57-bit
   * @return the second-level page-table root (SLPTPTR)
   */
  public long multiLevelContext(int sid, int did, int agaw) {
    long top = allocPage();
    context(sid, new ContextEntry(true, false, TranslationType.MULTI_LEVEL, top, agaw, did));
    return top;
  }

  /** A pass-through context entry for {@code sid}. */
  public void passThroughContext(int sid, int did, int agaw) {
    context(sid, new ContextEntry(true, false, TranslationType.PASS_THROUGH, 0, agaw, did));
  }

  /**
   * Maps one page ({@code pageSize} 4 KiB, 2 MiB or 1 GiB) at {@code iova} → {@code gpa}, creating
   * missing intermediate tables as non-leaf entries with R|W. An existing entry on the way is reused
   * when it is a table pointer and overwritten otherwise.
   */
  public void map(long slptptr, int levels, long iova, long gpa, long pageSize, boolean read, boolean write) {
    int leafLevel = levelOf(pageSize);
    if ((iova & (pageSize - 1)) != 0 || (gpa & (pageSize - 1)) != 0) {
      throw new IllegalArgumentException("iova and gpa must be aligned to the page size");
    }
    long table = slptptr;
    for (int level = levels; level > leafLevel; level--) {
      long pte = table + 8L * AddressWidth.levelIndex(iova, level);
      long v = mem.read64(pte);
      if (!SecondLevelPte.present(v) || SecondLevelPte.isSuperpage(v)) {
        long t = allocPage();
        mem.write64(pte, t | SecondLevelPte.R | SecondLevelPte.W);
        table = t;
      } else {
        table = SecondLevelPte.addressOf(v);
      }
    }
    long pte = table + 8L * AddressWidth.levelIndex(iova, leafLevel);
    mem.write64(pte, new SecondLevelPte(read, write, leafLevel > 1, false, gpa).encode());
  }

  /** Writes a raw value into the entry at {@code level} on the path of {@code iova} (the path must exist). */
  public void setEntry(long slptptr, int levels, long iova, int level, long value) {
    mem.write64(entryAddress(slptptr, levels, iova, level), value);
  }

  /** Guest-physical address of the entry at {@code level} on the path of {@code iova}. */
  public long entryAddress(long slptptr, int levels, long iova, int level) {
    long table = slptptr;
    for (int l = levels; l > level; l--) {
      long v = mem.read64(table + 8L * AddressWidth.levelIndex(iova, l));
      if (!SecondLevelPte.present(v) || SecondLevelPte.isSuperpage(v)) {
        throw new IllegalStateException("no table at level " + (l - 1) + " for iova 0x" + Long.toHexString(iova));
      }
      table = SecondLevelPte.addressOf(v);
    }
    return table + 8L * AddressWidth.levelIndex(iova, level);
  }

  /** Clears the leaf of size {@code pageSize} at {@code iova}. */
  public void unmap(long slptptr, int levels, long iova, long pageSize) {
    setEntry(slptptr, levels, iova, levelOf(pageSize), 0);
  }

  private static int levelOf(long pageSize) {
    int level = AddressWidth.leafLevelOfSize(pageSize);
    if (level == 0) throw new IllegalArgumentException("page size must be 4 KiB, 2 MiB or 1 GiB: " + pageSize);
    return level;
  }
}
