package io.vtdsim.emu.testing;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.FirstStagePte;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.PasidDirectoryEntry;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.ScalableContextEntry;
import io.vtdsim.emu.spec.ScalableRootEntry;
import io.vtdsim.emu.spec.SourceId;

/**
 * Builds scalable-mode remapping structures directly in guest memory — the scalable-mode root table,
 * context tables (lower and upper), PASID directories and tables, and first-stage (x86-64) paging
 * tables — for tests and hand-made (possibly broken) guest states. Like {@link TableBuilder} it issues
 * no invalidations and touches no registers; table pages come from a bump allocator at
 * {@code poolBase}. Second-stage tables of a PGTT=010b entry are built with a {@link TableBuilder}
 * sharing the pool ({@link #secondStage()}).
 */
public final class ScalableTableBuilder {
  /** Non-leaf first-stage entries as Linux writes them: P | R/W | U/S (A is left for the walk to set). */
  public static final long TABLE_FLAGS = FirstStagePte.P | FirstStagePte.RW | FirstStagePte.US;

  private final GuestMemory mem;
  private final TableBuilder pool;
  private final long rootTable;

  public ScalableTableBuilder(GuestMemory mem, long poolBase) {
    this.mem = mem;
    this.pool = new TableBuilder(mem, poolBase);
    this.rootTable = pool.rootTable();
  }

  public GuestMemory memory() {
    return mem;
  }

  /** A fresh zeroed 4 KiB page from the pool. */
  public long allocPage() {
    return pool.allocPage();
  }

  /** The scalable-mode root table (program RTADDR with it and TTM = 01b). */
  public long rootTable() {
    return rootTable;
  }

  /** A builder of second-stage (legacy-format) tables drawing from the same pool. */
  public TableBuilder secondStage() {
    return pool;
  }

  /** The context table serving {@code sid} (lower half for devfn 0–127, upper for 128–255), created if needed. */
  public long contextTable(int sid) {
    long re = ScalableRootEntry.address(rootTable, SourceId.bus(sid));
    long half = re + (ScalableRootEntry.upper(SourceId.devfn(sid)) ? 8 : 0);
    long v = mem.read64(half);
    if (ScalableRootEntry.present(v)) return ScalableRootEntry.contextTable(v);
    long ct = allocPage();
    mem.write64(half, ct | 1);
    return ct;
  }

  /** Address of the scalable-mode context entry of {@code sid}. */
  public long contextAddress(int sid) {
    return ScalableContextEntry.address(contextTable(sid), SourceId.devfn(sid));
  }

  /** Writes the four quadwords of a scalable-mode context entry for {@code sid}. */
  public void context(int sid, ScalableContextEntry entry) {
    long a = contextAddress(sid);
    long[] q = entry.encode();
    for (int i = 0; i < 4; i++) mem.write64(a + 8L * i, q[i]);
  }

  /**
   * A present context entry for {@code sid} with a fresh PASID directory of 2^(pdts+7) entries and
   * RID_PASID {@code ridPasid}.
   *
   * @return the PASID directory's address
   */
  public long pasidContext(int sid, int pdts, int ridPasid) {
    int pages = (int) Math.max(1, ((1L << (pdts + 7)) * PasidDirectoryEntry.SIZE) / Page.SIZE);
    long dir = allocPage();
    for (int i = 1; i < pages; i++) allocPage(); // contiguous: the bump allocator hands out consecutive pages
    context(sid, ScalableContextEntry.of(dir, pdts, ridPasid));
    return dir;
  }

  /** The PASID table that serves {@code pasid} in {@code directory}, created (with a present directory entry) if needed. */
  public long pasidTable(long directory, int pasid) {
    long de = PasidDirectoryEntry.address(directory, pasid);
    long v = mem.read64(de);
    if (PasidDirectoryEntry.present(v)) return PasidDirectoryEntry.decode(v).pasidTable();
    long table = allocPage();
    mem.write64(de, new PasidDirectoryEntry(true, false, table).encode());
    return table;
  }

  /** Address of the PASID-table entry of {@code pasid}. */
  public long pasidEntryAddress(long directory, int pasid) {
    return PasidTableEntry.address(pasidTable(directory, pasid), pasid);
  }

  /** Writes a PASID-table entry (all eight quadwords). */
  public void pasidEntry(long directory, int pasid, PasidTableEntry entry) {
    long a = pasidEntryAddress(directory, pasid);
    long[] q = entry.encode();
    for (int i = 0; i < q.length; i++) mem.write64(a + 8L * i, q[i]);
  }

  /** A fresh first-stage top-level table (PML4 or PML5) for FSPTPTR. */
  public long firstStageRoot() {
    return allocPage();
  }

  /**
   * Maps one first-stage page ({@code pageSize} 4 KiB, 2 MiB or 1 GiB) at {@code iova} →
   * {@code address}, user-accessible, creating missing tables with {@link #TABLE_FLAGS}.
   */
  public void mapFirstStage(long root, int levels, long iova, long address, long pageSize, boolean writable) {
    int leafLevel = levelOf(pageSize);
    if ((iova & (pageSize - 1)) != 0 || (address & (pageSize - 1)) != 0) {
      throw new IllegalArgumentException("iova and address must be aligned to the page size");
    }
    long table = root;
    for (int level = levels; level > leafLevel; level--) {
      long pte = table + 8L * AddressWidth.levelIndex(iova, level);
      long v = mem.read64(pte);
      if (!FirstStagePte.present(v) || FirstStagePte.leaf(v, level)) {
        long t = allocPage();
        mem.write64(pte, t | TABLE_FLAGS);
        table = t;
      } else {
        table = FirstStagePte.addressOf(v, level, false);
      }
    }
    FirstStagePte entry = leafLevel > 1 ? FirstStagePte.userLarge(address, writable) : FirstStagePte.user(address, writable);
    mem.write64(table + 8L * AddressWidth.levelIndex(iova, leafLevel), entry.encode());
  }

  /** Guest-physical address of the first-stage entry at {@code level} on the path of {@code iova}. */
  public long firstStageEntry(long root, int levels, long iova, int level) {
    long table = root;
    for (int l = levels; l > level; l--) {
      long v = mem.read64(table + 8L * AddressWidth.levelIndex(iova, l));
      if (!FirstStagePte.present(v) || FirstStagePte.leaf(v, l)) {
        throw new IllegalStateException("no table at level " + (l - 1) + " for iova 0x" + Long.toHexString(iova));
      }
      table = FirstStagePte.addressOf(v, l, false);
    }
    return table + 8L * AddressWidth.levelIndex(iova, level);
  }

  private static int levelOf(long pageSize) {
    int level = AddressWidth.leafLevelOfSize(pageSize);
    if (level == 0) throw new IllegalArgumentException("page size must be 4 KiB, 2 MiB or 1 GiB: " + pageSize);
    return level;
  }
}
